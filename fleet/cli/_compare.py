"""`fleet compare BASE.json NEW.json`: per-figure better/worse, non-zero exit on a regression."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.metrics import ResultsError, Verdict, check_results_shape, compare_results, format_comparison


def add_compare_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compare = commands.add_parser(
        "compare",
        help="compare two `fleet run --out` results; exit 1 on a regression",
        description=(
            "Print per-action p50/p99 latency, error rate, throughput and transactions of two runs "
            "side by side. A figure is a REGRESSION when it is worse by more than --tolerance and "
            "by more than an absolute floor (1 ms latency, 0.1 percentage point error rate, "
            "1 msg/s). Exit codes: 0 no regression, 1 regression, 2 unreadable input."
        ),
    )
    compare.add_argument("base", metavar="BASE.json", help="the reference run (e.g. last night's)")
    compare.add_argument("new", metavar="NEW.json", help="the run to judge")
    compare.add_argument(
        "--tolerance",
        type=arg.percentage,
        default=0.10,
        metavar="PCT",
        help="how much worse a figure may get before it is a regression (default 10%%)",
    )


def _load(path: str) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    return check_results_shape(data, path)


def run_compare(ns: argparse.Namespace) -> int:
    try:
        base = _load(ns.base)
        new = _load(ns.new)
    except ResultsError as exc:
        print(f"fleet compare: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    figures = compare_results(base, new, tolerance=ns.tolerance)
    print(format_comparison(figures, ns.base, ns.new))
    if any(figure.verdict is Verdict.REGRESSION for figure in figures):
        return ExitCode.FAILED
    return ExitCode.OK
