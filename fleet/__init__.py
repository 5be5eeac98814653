"""ocpp-fleet as a library: what a script that runs load tests may rely on.

Run a fleet against a CSMS (or the embedded one), read its results, check thresholds, and drive a
single sans-IO station core. Everything else is internal and may change between versions; the
packages (``fleet.engine``, ``fleet.simulation``, ...) keep their own public APIs for tools that
need more. The names load on first use, so ``import fleet`` stays cheap and imports neither trio
nor Locust until a script asks for what needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fleet.behaviour import Backoff, DriverSettings, Profile, load_profile, resolve_profile
    from fleet.csms import CsmsConfig
    from fleet.engine import FleetConfig, JobResult, OcppMix, RunJob, run_job
    from fleet.identity import ClientSecurity, StationIdentities
    from fleet.metrics import (
        RunRecorder,
        Slo,
        SloResult,
        evaluate_slos,
        parse_slo,
        write_html_report,
        write_json,
    )
    from fleet.station import Station, Station16, StationConfig, create_station

# each public name and the package that owns it
_OWNERS = {
    # a run: what to run, against what, and the run itself
    "FleetConfig": "fleet.engine",
    "RunJob": "fleet.engine",
    "JobResult": "fleet.engine",
    "OcppMix": "fleet.engine",
    "run_job": "fleet.engine",
    "CsmsConfig": "fleet.csms",
    "ClientSecurity": "fleet.identity",
    "StationIdentities": "fleet.identity",
    # behaviour: profiles and the simple driver
    "Profile": "fleet.behaviour",
    "load_profile": "fleet.behaviour",
    "resolve_profile": "fleet.behaviour",
    "DriverSettings": "fleet.behaviour",
    "Backoff": "fleet.behaviour",
    # results: measurements, thresholds, files
    "RunRecorder": "fleet.metrics",
    "Slo": "fleet.metrics",
    "SloResult": "fleet.metrics",
    "parse_slo": "fleet.metrics",
    "evaluate_slos": "fleet.metrics",
    "write_json": "fleet.metrics",
    "write_html_report": "fleet.metrics",
    # one station, sans-IO
    "Station": "fleet.station",
    "Station16": "fleet.station",
    "StationConfig": "fleet.station",
    "create_station": "fleet.station",
}

__all__ = [
    "Backoff",
    "ClientSecurity",
    "CsmsConfig",
    "DriverSettings",
    "FleetConfig",
    "JobResult",
    "OcppMix",
    "Profile",
    "RunJob",
    "RunRecorder",
    "Slo",
    "SloResult",
    "Station",
    "Station16",
    "StationConfig",
    "StationIdentities",
    "create_station",
    "evaluate_slos",
    "load_profile",
    "parse_slo",
    "resolve_profile",
    "run_job",
    "write_html_report",
    "write_json",
]


def __getattr__(name: str) -> object:
    """Load a public name from its owning package on first use (PEP 562)."""
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'fleet' has no attribute {name!r}")
    value = getattr(importlib.import_module(owner), name)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
