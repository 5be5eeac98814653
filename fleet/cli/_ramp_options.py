"""How fast the stations come, with one meaning in every command (README "Options"):

- ``--ramp RATE``: new stations per second, as Locust's ``--spawn-rate`` (``fleet run``);
- ``--ramp-over DURATION``: the stations' connects spread evenly over DURATION, as a k6 ramp stage
  (``fleet run`` and ``fleet simulate``).

``fleet simulate --ramp SECONDS`` meant the second; it is refused with a hint rather than read
with the new meaning.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from fleet.cli import _arguments as arg
from fleet.cli._fleet_options import add_duration_alternative


@dataclass(frozen=True, slots=True)
class RampOver:
    """`fleet run --ramp-over`: the ramp as a length; ``resolve_ramp`` turns it into a rate once the
    station count is known (the two options share one destination, so the last one given wins)."""

    seconds: float


def _ramp_over(text: str) -> RampOver:
    return RampOver(arg.duration(text))


def add_run_ramp_options(run: argparse.ArgumentParser, *, default_per_s: float) -> None:
    """--ramp RATE and --ramp-over DURATION, one or the other."""
    ramp = run.add_mutually_exclusive_group()
    ramp.add_argument(
        "--ramp",
        type=arg.positive_float,
        default=default_per_s,
        metavar="STATIONS_PER_SECOND",
        help=f"ramp-up rate: new stations connected per second, as Locust's --spawn-rate "
        f"(default {default_per_s:g})",
    )
    add_duration_alternative(
        ramp,
        "--ramp-over",
        dest="ramp",
        type=_ramp_over,
        help="instead of --ramp: connect the stations spread evenly over DURATION (5m), as a k6 ramp stage",
    )


def resolve_ramp(ns: argparse.Namespace) -> None:
    """``ns.ramp`` as stations per second, whichever of --ramp and --ramp-over set it."""
    if isinstance(ns.ramp, RampOver):
        ns.ramp = ns.stations / ns.ramp.seconds


def _old_simulate_ramp(text: str) -> float:
    raise argparse.ArgumentTypeError(
        f"--ramp is stations per second in every command now; to spread the connects over a time "
        f"as `fleet simulate --ramp SECONDS` did, write --ramp-over {text}s"
        if text.replace(".", "", 1).isdigit()
        else "--ramp is stations per second in every command now; `fleet simulate` takes --ramp-over DURATION"
    )


def add_simulate_ramp_options(simulate: argparse.ArgumentParser) -> None:
    """--ramp-over DURATION (0 = all at once); the old --ramp SECONDS refused with a hint."""
    simulate.add_argument(
        "--ramp-over",
        type=arg.non_negative_duration,
        default=60.0,
        metavar="DURATION",
        help="connect the stations spread evenly over DURATION (default 60s; 0 = all at once)",
    )
    simulate.add_argument("--ramp", type=_old_simulate_ramp, help=argparse.SUPPRESS)
