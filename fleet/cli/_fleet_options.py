"""Options `fleet run` and `fleet simulate` both take: how many stations, the seed, the stations'
EVSEs and id prefix. Each command words its own help where the option means more there."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from fleet.cli import _arguments as arg


def add_stations_option(parser: argparse.ArgumentParser, *, default: int) -> None:
    parser.add_argument(
        "--stations",
        type=arg.positive_int,
        default=default,
        metavar="N",
        help=f"stations (default {default})",
    )


def add_seed_option(parser: argparse.ArgumentParser, *, metavar: str) -> None:
    parser.add_argument("--seed", type=int, default=1, metavar=metavar, help="random seed (default 1)")


def add_station_layout_options(
    parser: argparse.ArgumentParser, *, evses_help: str, id_prefix_help: str
) -> None:
    """--evses (default 2) and --id-prefix (default SIM-)."""
    parser.add_argument("--evses", type=arg.positive_int, default=2, metavar="N", help=evses_help)
    parser.add_argument("--id-prefix", default="SIM-", metavar="TEXT", help=id_prefix_help)


def add_duration_alternative(
    group: argparse._MutuallyExclusiveGroup, flag: str, *, dest: str, type: Callable[[str], object], help: str
) -> None:
    """``flag DURATION``, another spelling of the option whose destination is ``dest`` (in the same
    mutually exclusive ``group``): the last one given wins, a --config file may use either."""
    group.add_argument(flag, dest=dest, type=type, default=argparse.SUPPRESS, metavar="DURATION", help=help)
