"""`fleet run --slo EXPR`: thresholds checked after the run (and during it with --abort-on-fail),
one verdict line each; --junit and --csv write them (and the run) for CI."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.cli._output_paths import Output
from fleet.engine import JobResult, RunJob
from fleet.metrics import (
    DEFAULT_ABORT_DELAY_S,
    AbortOnFail,
    RunRecorder,
    Slo,
    SloResult,
    evaluate_slos,
    write_junit,
    write_locust_failures,
    write_locust_history,
    write_locust_stats,
)

SLO_EPILOG = """\
SLO thresholds (--slo, repeatable): METRIC[(ACTION)] OP NUMBER[UNIT]
  p50 p90 p99 p99.9 ... max min mean
                                   latency from the intended send time, all calls or one action;
                                   unit us, ms or s (required, except in k6's spellings below)
  error_rate                       failed / completed calls; unit % or a fraction
  rate                             messages sent per second (of one action if given)
  sent                             messages sent (of one action if given)
  errors dropped reconnects booted connected_peak transactions_started transactions_ended
  lost duplicated out_of_order     run totals (the last three: the embedded CSMS's ledger)
  OP: < <= > >= == !=
  e.g. --slo 'p99(TransactionEvent) < 300ms' --slo 'error_rate < 0.1%' --slo 'dropped == 0'
k6's spellings (a bare latency number is milliseconds, as in k6):
  'p(95)<500'  'avg<200' (mean)  'med<50' (p50)  'min>1'  'max<2000'
  'Heartbeat: p(99)<300'           NAME: in front = one action (or http_req_duration: all calls)
  'failed: rate<0.01'              the share of failed calls (also http_req_failed: rate<1%);
                                   a bare 'rate' stays messages per second
--abort-on-fail ends the run early when a threshold is lost (k6 abortOnFail): counts and max
  under a bound at once, pNN/mean/error_rate when they fail after --abort-delay; stations drain,
  every file is written, exit code 3
--junit FILE: one JUnit test case per threshold; --csv PREFIX: Locust's _stats, _stats_history and
  _failures CSV files
exit codes: 0 ok, 1 CSMS unreachable, 2 bad arguments or profile, 3 an SLO was violated,
4 a worker process died (--workers; its stations' data is partial), 5 stations never booted,
6 a regression against --baseline
"""


def add_slo_option(run: argparse.ArgumentParser) -> None:
    """--slo, --abort-on-fail, --abort-delay, and the CI outputs --junit and --csv."""
    run.add_argument(
        "--slo",
        type=arg.slo,
        action="append",
        default=[],
        metavar="EXPR",
        help="a threshold the run must meet, e.g. 'p99(TransactionEvent) < 300ms' or k6's 'p(95)<500' "
        "(repeatable; see the SLO section below); a violated one makes the exit code 3",
    )
    run.add_argument(
        "--abort-on-fail",
        action="store_true",
        help="end the run as soon as an --slo threshold is lost (as a first Ctrl-C does: stations "
        "drain, every file is written); exit code 3",
    )
    run.add_argument(
        "--abort-delay",
        type=arg.non_negative_duration,
        default=DEFAULT_ABORT_DELAY_S,
        metavar="DURATION",
        help="with --abort-on-fail: how long percentiles, mean and error_rate get before a failing "
        f"one aborts the run (the ramp, the boot storm; default {DEFAULT_ABORT_DELAY_S:g}s); counts "
        "and max abort at once",
    )
    run.add_argument(
        "--junit",
        metavar="FILE",
        help="write the SLO verdicts as JUnit XML (one test case per --slo) to FILE",
    )
    run.add_argument(
        "--csv",
        metavar="PREFIX",
        help="write Locust-style CSV files: PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv",
    )
    run.epilog = SLO_EPILOG
    run.formatter_class = argparse.RawDescriptionHelpFormatter


def with_abort_on_fail(job: RunJob, ns: argparse.Namespace) -> RunJob:
    """The job with --abort-on-fail's thresholds; ValueError when there are none to abort on."""
    if not ns.abort_on_fail:
        return job
    if not ns.slo:
        raise ValueError("--abort-on-fail needs at least one --slo threshold")
    return replace(job, abort_on_fail=AbortOnFail(tuple(ns.slo), ns.abort_delay))


def _csv_outputs(prefix: str) -> list[tuple[Output, str]]:
    return [
        (Output("--csv", f"{prefix}_{name}.csv", f"locust-{name}", ".csv"), name)
        for name in ("stats", "stats_history", "failures")
    ]


def ci_output_paths(ns: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(option, path) of every CI file asked for, for check_output_options."""
    paths: list[tuple[str, str | None]] = [("--junit", ns.junit)]
    if ns.csv:
        paths += [(output.option, output.path) for output, _ in _csv_outputs(ns.csv)]
    return paths


WriteFile = Callable[[Output, Callable[[str], None]], bool]


def write_ci_outputs(
    ns: argparse.Namespace, result: JobResult, summary: dict[str, Any], write: WriteFile
) -> bool:
    """Write --junit and --csv (each through ``write``: its fallback if it cannot go where asked);
    True if every one is where it was asked for."""
    wrote = True
    if ns.junit:
        wrote &= write(Output("--junit", ns.junit, "junit", ".xml"), lambda path: write_junit(path, summary))
    if ns.csv and result.recorder is not None:
        recorder, by_version = result.recorder, result.by_version
        writers: dict[str, Callable[[str], None]] = {
            "stats": lambda path: write_locust_stats(path, summary, recorder, by_version),
            "stats_history": lambda path: write_locust_history(path, summary),
            "failures": lambda path: write_locust_failures(path, summary),
        }
        for output, name in _csv_outputs(ns.csv):
            wrote &= write(output, writers[name])
    return wrote


def check_slos(slos: list[Slo], recorder: RunRecorder, summary: dict[str, Any]) -> int:
    """Print a verdict line per threshold, add them to ``summary["slo"]``; the exit code. A run
    ended by --abort-on-fail says so, and the threshold lost fails even if it recovered since."""
    aborted = summary.get("aborted")
    results = [_as_lost(result, aborted) for result in evaluate_slos(slos, recorder, summary)]
    for result in results:
        print(result.line())
    summary["slo"] = [result.to_dict() for result in results]
    if aborted is not None:
        print(f"run aborted after {aborted['at_s']:g} s (--abort-on-fail): SLO {aborted['slo']!r} lost")
    failed = sum(not result.passed for result in results)
    if failed:
        print(f"{failed} of {len(results)} SLO threshold(s) violated")
        return ExitCode.SLO_VIOLATED
    return ExitCode.SLO_VIOLATED if aborted is not None else ExitCode.OK


def _as_lost(result: SloResult, aborted: dict[str, Any] | None) -> SloResult:
    """The threshold that aborted the run fails, even if it passes at the end."""
    if aborted is None or result.slo.text != aborted["slo"] or not result.passed:
        return result
    detail = f"lost after {aborted['at_s']:g} s ({aborted['detail']}); at the end {result.detail}"
    return replace(result, passed=False, detail=detail)
