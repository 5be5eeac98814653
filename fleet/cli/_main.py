"""The `fleet` command: one sub-command per module (`fleet run` in _run.py, ...)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from fleet.cli._chaos import add_chaos_command, run_chaos
from fleet.cli._compare import add_compare_command, run_compare
from fleet.cli._csms import add_csms_command, serve_csms
from fleet.cli._locust import add_locust_command, run_locust
from fleet.cli._profiles import add_profiles_command, run_profiles
from fleet.cli._run import add_run_command, run_fleet
from fleet.cli._simulate import add_simulate_command, run_simulate
from fleet.cli._verify import add_verify_command, run_verify

# what each sub-command runs with its parsed arguments (`fleet locust` never reaches argparse)
_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": run_fleet,
    "csms": serve_csms,
    "profiles": run_profiles,
    "simulate": run_simulate,
    "compare": run_compare,
    "chaos": run_chaos,
    "verify": run_verify,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fleet",
        description="Simulate a fleet of OCPP 2.0.1 and 1.6J charging stations against a CSMS; measure it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_run_command(commands)
    add_csms_command(commands)
    add_profiles_command(commands)
    add_simulate_command(commands)
    add_compare_command(commands)
    add_chaos_command(commands)
    add_verify_command(commands)
    add_locust_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["locust"]:  # Locust parses its own options (and ours): pass them through untouched
        return run_locust(args[1:])
    ns = build_parser().parse_args(args)
    ns.argv = args  # as typed, for the results' run metadata (secrets are masked there)
    return _COMMANDS[ns.command](ns)
