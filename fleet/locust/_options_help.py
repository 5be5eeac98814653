"""The --fleet-* options' help, for `fleet locust --help`.

Locust prints its help before it imports a locustfile, so the options the locustfile adds never
show in `locust --help`. `fleet locust --help` prints this first, then Locust's own. It is made
from ``add_fleet_arguments`` itself, so it lists every option the swarm accepts, with its help.
"""

from __future__ import annotations

import argparse
from typing import Any

from fleet.locust._options import add_fleet_arguments

_DESCRIPTION = (
    "Run Locust with the fleet's locustfile: each Locust user is one simulated OCPP station "
    "connecting to --host (the CSMS base URL, e.g. ws://127.0.0.1:9000/ocpp; station SIM-00042 "
    "connects to <host>/SIM-00042). Without --host the embedded CSMS is started on a free "
    "loopback port for the length of the run. Every option is passed to Locust: its own are below "
    "the fleet's."
)


class _WithoutLocustKeywords:
    """An argparse group that takes the keywords only Locust's (configargparse) parser knows, and
    ignores them."""

    def __init__(self, group: argparse._ArgumentGroup) -> None:
        self._group = group

    def add_argument(
        self,
        *args: Any,
        include_in_web_ui: bool = True,
        is_secret: bool = False,
        env_var: str | None = None,
        **kwargs: Any,
    ) -> argparse.Action:
        return self._group.add_argument(*args, **kwargs)


def options_help(prog: str = "fleet locust") -> str:
    """The usage line, what `fleet locust` does, and every --fleet-* option with its help."""
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=f"{prog} [--host URL] [--fleet-* OPTIONS] [LOCUST OPTIONS]",
        description=_DESCRIPTION,
        add_help=False,
    )
    group = parser.add_argument_group("fleet options (the simulated stations)")
    add_fleet_arguments(_WithoutLocustKeywords(group))
    return parser.format_help()
