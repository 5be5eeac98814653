"""The `fleet` command: one sub-command per module (`fleet run` in _run.py, ...)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from fleet.cli._capacity import add_capacity_command, run_capacity
from fleet.cli._chaos import add_chaos_command, run_chaos
from fleet.cli._compare import add_compare_command, run_compare
from fleet.cli._config_file import (
    CONFIG_OPTION,
    ConfigFileError,
    FileDefaults,
    add_config_option,
    config_path,
    read_config_file,
)
from fleet.cli._csms import add_csms_command, serve_csms
from fleet.cli._environment import environment_defaults
from fleet.cli._exit_codes import ExitCode
from fleet.cli._locust import add_locust_command, run_locust
from fleet.cli._merge import add_merge_command, run_merge
from fleet.cli._option_values import OptionValueError
from fleet.cli._profiles import add_profiles_command, run_profiles
from fleet.cli._ramp_options import resolve_ramp
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
    "merge": run_merge,
    "capacity": run_capacity,
}

# the sub-commands that take --config FILE
_CONFIGURABLE = ("run", "csms", "simulate")


def build_parser() -> argparse.ArgumentParser:
    return _build()[0]


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The `fleet` parser and its sub-commands' parsers by name."""
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
    add_capacity_command(commands)
    add_merge_command(commands)
    add_locust_command(commands)
    for name in _CONFIGURABLE:
        add_config_option(commands.choices[name])
    return parser, commands.choices


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["locust"]:  # Locust parses its own options (and ours): pass them through untouched
        return run_locust(args[1:])
    ns = _parse(args)
    ns.argv = args  # as typed, for the results' run metadata (secrets are masked there)
    return _COMMANDS[ns.command](ns)


def _parse(args: Sequence[str]) -> argparse.Namespace:
    """``args`` parsed over the defaults a --config file and the environment set; `fleet run`'s
    ramp as stations per second."""
    parser, commands = _build()
    command = commands.get(args[0]) if args else None
    file_defaults = _set_defaults(command, args) if command is not None else None
    ns = parser.parse_args(args)
    if file_defaults is not None:
        file_defaults.settle(ns)
    elif command is not None and vars(ns).get("config") is not None:
        _refuse(command, f"an abbreviated {CONFIG_OPTION} was not read: write {CONFIG_OPTION} FILE in full")
    if ns.command == "run":
        resolve_ramp(ns)
    return ns


def _set_defaults(command: argparse.ArgumentParser, args: Sequence[str]) -> FileDefaults | None:
    """Make the --config file's values, then the environment's, ``command``'s defaults, so an option
    on the command line wins over both (README "Options"); exits 2 naming a bad file, key or variable."""
    path = config_path(args[1:]) if args[0] in _CONFIGURABLE else None
    try:
        file_defaults = read_config_file(command, path) if path is not None else None
        environment = environment_defaults(command, args[0], os.environ)
    except (ConfigFileError, OptionValueError) as exc:
        _refuse(command, str(exc))
    if file_defaults is not None:
        command.set_defaults(**file_defaults.values)
    command.set_defaults(**environment)
    return file_defaults


def _refuse(command: argparse.ArgumentParser, message: str) -> NoReturn:
    """Exit 2 with one line (a bad file or variable is not a usage mistake: no usage dump)."""
    command.exit(ExitCode.BAD_INPUT, f"{command.prog}: error: {message}\n")
