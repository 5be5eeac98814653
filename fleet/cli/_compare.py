"""`fleet compare BASE.json NEW.json`: per-figure better/worse, non-zero exit on a regression;
refused (exit 2) when the runs did not measure the same thing, unless --allow-different."""

from __future__ import annotations

import argparse
import json
import sys

from fleet.cli._comparison_options import (
    add_allow_different_option,
    add_tolerance_option,
    announce_differences,
    compare_runs,
    load_results,
)
from fleet.cli._exit_codes import ExitCode
from fleet.cli._output_paths import check_output_options
from fleet.metrics import (
    Comparison,
    ResultsError,
    ToleranceError,
    comparison_json,
    comparison_markdown,
    format_comparison,
)

COMPARE_EPILOG = """\
tolerances (--tolerance, repeatable): [FIGURE=]N%
  relative to the base run's value: 10% lets a 40 ms p99 grow to 44 ms; a bare number is
  refused (10 could mean 10 % or 1000 %)
  FIGURE: a kind (p50, p99, error_rate, throughput, transactions_started) or one figure
  ('TransactionEvent p99'); the most specific tolerance applies, the default is 10%
  e.g. --tolerance 15% --tolerance p99=20% --tolerance 'TransactionEvent p99=25%'
exit codes: 0 no regression, 1 a regression, 2 unreadable input, a bad option, or runs that
differ (stations, duration, profile, speed, OCPP, CSMS, or an interrupted run) without
--allow-different
"""


def add_compare_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compare = commands.add_parser(
        "compare",
        help="compare two `fleet run --out` results; exit 1 on a regression",
        description=(
            "Print per-action p50/p99 latency, error rate, throughput and transactions of two runs "
            "side by side. A figure is a REGRESSION when it is worse by more than its tolerance and "
            "by more than an absolute floor (1 ms latency, 0.1 percentage point error rate, "
            "1 msg/s)."
        ),
        epilog=COMPARE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("base", metavar="BASE.json", help="the reference run (e.g. last night's)")
    compare.add_argument("new", metavar="NEW.json", help="the run to judge")
    add_tolerance_option(compare, "--tolerance")
    add_allow_different_option(compare)
    compare.add_argument(
        "--json", metavar="FILE", help="also write the comparison as JSON to FILE (- for stdout)"
    )
    compare.add_argument(
        "--markdown",
        metavar="FILE",
        help="also write the comparison as a Markdown table (for a CI comment) to FILE (- for stdout)",
    )


def run_compare(ns: argparse.Namespace) -> int:
    if not _outputs_usable(ns):
        return ExitCode.BAD_INPUT
    try:
        base, new = load_results(ns.base), load_results(ns.new)
        comparison = compare_runs(
            base, new, (ns.base, ns.new), ns.tolerance, "--tolerance", allow_different=ns.allow_different
        )
    except (ResultsError, ToleranceError) as exc:
        print(f"fleet compare: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    announce_differences("fleet compare", "", comparison.differences, allowed=ns.allow_different)
    if not comparison.refused:
        table_to = sys.stderr if "-" in (ns.json, ns.markdown) else sys.stdout
        print(format_comparison(comparison), file=table_to)
    if not _write_outputs(ns, comparison):
        return ExitCode.BAD_INPUT
    return _exit_code(comparison)


def _exit_code(comparison: Comparison) -> int:
    if comparison.refused:
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED if comparison.regressions else ExitCode.OK


def _outputs_usable(ns: argparse.Namespace) -> bool:
    if ns.json == "-" and ns.markdown == "-":
        print(
            "fleet compare: error: --json - and --markdown - both want stdout; give one a file",
            file=sys.stderr,
        )
        return False
    files = [
        (option, path) for option, path in (("--json", ns.json), ("--markdown", ns.markdown)) if path != "-"
    ]
    return check_output_options("fleet compare", files)


def _write_outputs(ns: argparse.Namespace, comparison: Comparison) -> bool:
    """Write --json and --markdown; False (after one line on stderr) if one could not be written."""
    for option, path in (("--json", ns.json), ("--markdown", ns.markdown)):
        if path is None:
            continue
        text = _render(option, comparison)
        if path == "-":
            sys.stdout.write(text)
            continue
        try:
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
        except OSError as exc:
            print(
                f"fleet compare: error: {option} {path}: cannot write ({exc.strerror or exc})",
                file=sys.stderr,
            )
            return False
    return True


def _render(option: str, comparison: Comparison) -> str:
    if option == "--json":
        return json.dumps(comparison_json(comparison), indent=2) + "\n"
    return comparison_markdown(comparison)
