"""``python -m bench run|compare|list``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._compare import compare_results, format_verdicts, parse_tolerance
from bench._processes import BenchProcessError
from bench._runner import run_scenario
from bench._scenario import ScenarioError, find_scenarios

RESULTS = Path(__file__).resolve().parent / "results"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="ocpp-fleet benchmarks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run scenarios, write one JSON result each")
    run.add_argument("names", nargs="*", metavar="NAME", help="scenario names or .toml paths (default: all)")
    run.add_argument("--out", type=Path, default=RESULTS, metavar="DIR", help=f"(default {RESULTS})")
    run.add_argument("--scale", type=float, default=1.0, metavar="S", help="multiply station counts by S")
    run.add_argument("--peer", action="store_true", help="also run the peer baseline and state ratios")
    run.add_argument(
        "--implementation", choices=("fleet", "peer"), default=None, help="override the scenario's generator"
    )
    run.add_argument("--note", default="", help="a remark stored in the result (e.g. machine was shared)")
    compare = commands.add_parser("compare", help="compare two results; exit 1 on a regression")
    compare.add_argument("old", type=Path)
    compare.add_argument("new", type=Path)
    compare.add_argument("--tolerance", default="10%", help="worse by more than this is a regression (10%%)")
    commands.add_parser("list", help="the bundled scenarios")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        if ns.command == "run":
            return _run(ns)
        if ns.command == "compare":
            return _compare(ns)
        for scenario in find_scenarios([]):
            print(f"{scenario.name:20} {scenario.description}")
        return 0
    except (ScenarioError, BenchProcessError) as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2


def _run(ns: argparse.Namespace) -> int:
    if not ns.scale > 0:
        raise ScenarioError(f"--scale must be > 0, got {ns.scale}")
    for scenario in find_scenarios(ns.names):
        result, path = run_scenario(
            scenario,
            ns.out,
            scale=ns.scale,
            implementation=ns.implementation,
            with_peer=True if ns.peer else None,
            note=ns.note,
            log=lambda line: print(line, file=sys.stderr),
        )
        _print_headline(result)
        print(f"  -> {path}")
    return 0


def _print_headline(result: dict[str, Any]) -> None:
    figures: dict[str, float] = result["figures"]
    ratio: dict[str, float] = result.get("ratio_to_peer", {})
    wanted = result["scenario"]["measures"] or sorted(figures)
    print(f"{result['scenario']['name']} ({result['implementation']}):")
    for name in wanted:
        if name in figures:
            extra = f"   fleet/peer {ratio[name]:g}" if name in ratio else ""
            print(f"  {name:40} {figures[name]:>12g}{extra}")


def _load(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{path}: not a readable bench result: {exc}") from None
    if "figures" not in data:
        raise ScenarioError(f"{path}: not a bench result (no 'figures'); make one with `python -m bench run`")
    return data


def _compare(ns: argparse.Namespace) -> int:
    try:
        tolerance = parse_tolerance(ns.tolerance)
    except ValueError as exc:
        raise ScenarioError(f"--tolerance: {exc}") from None
    old, new = _load(ns.old), _load(ns.new)
    if old["scenario"]["name"] != new["scenario"]["name"]:
        raise ScenarioError(
            f"{ns.old} is scenario {old['scenario']['name']!r} but {ns.new} is {new['scenario']['name']!r}"
        )
    verdicts = compare_results(old, new, tolerance)
    print(format_verdicts(verdicts))
    regressions = [v.figure for v in verdicts if v.status == "regression"]
    if regressions:
        print(f"regression beyond {tolerance:.0%}: {', '.join(regressions)}", file=sys.stderr)
        return 1
    return 0
