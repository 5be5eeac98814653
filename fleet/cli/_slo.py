"""`fleet run --slo EXPR`: thresholds checked after the run, one verdict line each."""

from __future__ import annotations

import argparse
from typing import Any

from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.metrics import RunRecorder, Slo, evaluate_slos

SLO_EPILOG = """\
SLO thresholds (--slo, repeatable): METRIC[(ACTION)] OP NUMBER[UNIT]
  p50 p90 p99 p99.9 ... max mean   latency from the intended send time, all calls or one action;
                                   unit us, ms or s (required)
  error_rate                       failed / completed calls; unit % or a fraction
  rate                             messages sent per second (of one action if given)
  sent                             messages sent (of one action if given)
  errors dropped reconnects booted connected_peak transactions_started transactions_ended
                                   run totals
  OP: < <= > >= == !=
  e.g. --slo 'p99(TransactionEvent) < 300ms' --slo 'error_rate < 0.1%' --slo 'dropped == 0'
exit codes: 0 ok, 1 CSMS unreachable, 2 bad arguments or profile, 3 an SLO was violated,
4 a worker process died (--workers; its stations' data is partial)
"""


def add_slo_option(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--slo",
        type=arg.slo,
        action="append",
        default=[],
        metavar="EXPR",
        help="a threshold the run must meet, e.g. 'p99(TransactionEvent) < 300ms' (repeatable; "
        "see the SLO section below); a violated one makes the exit code 3",
    )
    run.epilog = SLO_EPILOG
    run.formatter_class = argparse.RawDescriptionHelpFormatter


def check_slos(slos: list[Slo], recorder: RunRecorder, summary: dict[str, Any]) -> int:
    """Print a verdict line per threshold, add them to ``summary["slo"]``; the exit code."""
    results = evaluate_slos(slos, recorder, summary)
    for result in results:
        print(result.line())
    summary["slo"] = [result.to_dict() for result in results]
    failed = sum(not result.passed for result in results)
    if failed:
        print(f"{failed} of {len(results)} SLO threshold(s) violated")
        return ExitCode.SLO_VIOLATED
    return ExitCode.OK
