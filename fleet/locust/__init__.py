"""The Locust shell: one Locust user per simulated station, on the same sans-IO station core.

Importing Locust monkey-patches the process with gevent, so the classes that need it
(``StationUser``, ``FleetShape``) load only when asked for; the rest of this package (options,
load curves, the socket link, the request reporting, the Prometheus collector) imports without
gevent. Nothing else in fleet imports this package: ``fleet locust`` runs ``locust -f`` on
``LOCUSTFILE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fleet.locust._options import FleetOptionError, FleetOptions
from fleet.locust._options_help import options_help
from fleet.locust._stations import station_id_for

if TYPE_CHECKING:
    from fleet.locust._shapes import FleetShape
    from fleet.locust._user import StationUser

LOCUSTFILE = Path(__file__).with_name("locustfile.py")

__all__ = [
    "LOCUSTFILE",
    "FleetOptionError",
    "FleetOptions",
    "FleetShape",
    "StationUser",
    "options_help",
    "station_id_for",
]


def __getattr__(name: str) -> Any:
    if name == "StationUser":
        from fleet.locust._user import StationUser

        return StationUser
    if name == "FleetShape":
        from fleet.locust._shapes import FleetShape

        return FleetShape
    raise AttributeError(f"module 'fleet.locust' has no attribute {name!r}")
