"""What `fleet compare` and `fleet run --baseline` share: the tolerance and --allow-different
options, reading a results file, and comparing two results (after checking they are comparable)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from fleet.metrics import (
    Comparison,
    Difference,
    ResultsError,
    ToleranceError,
    ToleranceRule,
    Tolerances,
    check_results_shape,
    compare_results,
    differences,
    differences_line,
    figure_names,
    parse_tolerance,
    run_shape,
)


def tolerance_rule(text: str) -> ToleranceRule:
    try:
        return parse_tolerance(text)
    except ToleranceError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_tolerance_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, option: str) -> None:
    parser.add_argument(
        option,
        type=tolerance_rule,
        action="append",
        default=[],
        metavar="[FIGURE=]PCT",
        help="how much worse than the base a figure may get before it is a regression, relative, "
        "with a percent sign: 10%% (the default), p99=20%%, 'TransactionEvent p99=25%%' (repeatable)",
    )


def add_allow_different_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, what: str = ""
) -> None:
    parser.add_argument(
        "--allow-different",
        action="store_true",
        help=f"compare runs{what} that differ (stations, duration, profile, speed, OCPP, CSMS, "
        "an interrupted run) with a warning instead of refusing",
    )


def load_results(path: str) -> Mapping[str, Any]:
    """A `fleet run --out` results file; ResultsError names the file and what is wrong."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: not valid JSON: {_json_problem(exc)}") from None
    return check_results_shape(data, path)


def _json_problem(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return "not UTF-8 text"


def compare_runs(
    base: Mapping[str, Any],
    new: Mapping[str, Any],
    names: tuple[str, str],
    rules: Sequence[ToleranceRule],
    option: str,
    *,
    allow_different: bool,
) -> Comparison:
    """``base`` and ``new`` (called ``names``) compared figure by figure with ``rules`` (given as
    ``option``), unless they differ and ``allow_different`` is not set. Raises ToleranceError for
    a rule that names no figure."""
    tolerances = Tolerances(tuple(rules))
    tolerances.check_names([*figure_names(base), *figure_names(new)], option)
    found = differences(run_shape(base), run_shape(new))
    refused = bool(found) and not allow_different
    figures = [] if refused else compare_results(base, new, tolerances)
    return Comparison(names[0], names[1], figures, found, allow_different)


def announce_differences(command: str, context: str, found: Sequence[Difference], *, allowed: bool) -> None:
    """One line on stderr naming each difference: an error when they refuse the comparison, a
    warning when --allow-different lets it go ahead. ``context``: "" or "--baseline FILE: "."""
    if not found:
        return
    if allowed:
        print(f"{command}: warning: {context}the runs differ: {differences_line(found)}", file=sys.stderr)
    else:
        print(
            f"{command}: error: {context}the runs differ: {differences_line(found)} "
            "(--allow-different compares them anyway)",
            file=sys.stderr,
        )
