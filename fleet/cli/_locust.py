"""`fleet locust [LOCUST OPTIONS...]`: Locust with the fleet's ready locustfile.

The process becomes Locust (exec), so Ctrl-C, exit codes and signals are Locust's own. fleet
never imports Locust itself: it monkey-patches the process with gevent, and trio cannot run there.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import fleet
from fleet.cli._exit_codes import ExitCode

# the path, not the module: importing fleet.locust's user classes would pull gevent into fleet
LOCUSTFILE = Path(fleet.__file__).parent / "locust" / "locustfile.py"

_DESCRIPTION = (
    "Run Locust with the fleet's locustfile: each Locust user is one simulated OCPP station "
    "connecting to --host (the CSMS base URL, e.g. ws://127.0.0.1:9000/ocpp). Every option is "
    "passed to Locust; `fleet locust --help` lists the fleet's own (--fleet-*) first, then Locust's. "
    "Without --host the embedded CSMS is started on a free loopback port for the length of the run."
)


def add_locust_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Listed in `fleet --help`; its arguments never reach argparse (see ``locust_argv``)."""
    commands.add_parser(
        "locust",
        help="swarm a CSMS from Locust (web UI, headless, distributed)",
        description=_DESCRIPTION,
        add_help=False,
    )


def locust_command(args: Sequence[str]) -> list[str]:
    """The Locust command line `fleet locust ARGS` runs; for -h/--help the fleet's launcher, which
    prints the --fleet-* options first (Locust prints its help before it reads a locustfile)."""
    if any(arg in ("-h", "--help") for arg in args):
        return [sys.executable, "-m", "fleet.locust", *args]
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def run_locust(args: Sequence[str]) -> int:
    """Replace this process with Locust; returns only to report bad arguments."""
    own = {"-f", "--locustfile"}
    if any(arg in own or arg.startswith("--locustfile=") for arg in args):
        print(
            "fleet locust: error: -f/--locustfile is fleet's own locustfile here; to run yours, "
            "use `locust -f yours.py` and subclass fleet.locust.StationUser in it",
            file=sys.stderr,
        )
        return ExitCode.BAD_INPUT
    command = locust_command(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
