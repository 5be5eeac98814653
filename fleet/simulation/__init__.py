"""`fleet simulate`: a fleet's load on a CSMS forecast in virtual time, no sockets and no clock,
reproducible bit for bit from the seed. Two models of the same stations and behaviour: frames
(``_loop``: every OCPP frame through the station core and a CSMS model on an event heap) and
sessions (``_session_model``: each visit counted into the messages it causes, ~200x faster)."""

from fleet.simulation._config import (
    DEFAULT_EPOCH,
    DEFAULT_LATENCY_S,
    MODELS,
    Latency,
    Model,
    SimulationConfig,
)
from fleet.simulation._fleets import (
    SamplingOverride,
    load_profile_fleet,
    profile_epoch,
    profile_fleet,
    simple_fleet,
    station_id_for,
)
from fleet.simulation._forecast import Forecast, forecast_json, write_forecast_json
from fleet.simulation._ledger import TimedLedger
from fleet.simulation._load_plan import forecast_with_plan
from fleet.simulation._loop import FrameHook, ProgressHook, Simulation, run_simulation
from fleet.simulation._outcome import SimulationOutcome
from fleet.simulation._plot import write_forecast_png
from fleet.simulation._seed_spread import percentile, planner_peaks, seed_spread
from fleet.simulation._session_model import run_session_model
from fleet.simulation._sessions_csv import SESSION_COLUMNS, write_sessions_csv
from fleet.simulation._shards import FleetSpec, WorkerDied, build_fleet, run_sharded, shard_ranges
from fleet.simulation._site_caps import SHARING_RULES, SiteCapError, SiteCaps

__all__ = [
    "DEFAULT_EPOCH",
    "DEFAULT_LATENCY_S",
    "MODELS",
    "SESSION_COLUMNS",
    "SHARING_RULES",
    "FleetSpec",
    "Forecast",
    "FrameHook",
    "Latency",
    "Model",
    "ProgressHook",
    "SamplingOverride",
    "Simulation",
    "SimulationConfig",
    "SimulationOutcome",
    "SiteCapError",
    "SiteCaps",
    "TimedLedger",
    "WorkerDied",
    "build_fleet",
    "forecast_json",
    "forecast_with_plan",
    "load_profile_fleet",
    "percentile",
    "planner_peaks",
    "profile_epoch",
    "profile_fleet",
    "run_session_model",
    "run_sharded",
    "run_simulation",
    "seed_spread",
    "shard_ranges",
    "simple_fleet",
    "station_id_for",
    "write_forecast_json",
    "write_forecast_png",
    "write_sessions_csv",
]
