"""The trio shell: sockets, timers, ramp-up, reconnects."""

from fleet.behaviour import Backoff
from fleet.engine._capture import FrameCapture
from fleet.engine._config import FleetConfig
from fleet.engine._connect import open_station_websocket
from fleet.engine._connection_errors import SubprotocolRefused, classify_connect_error
from fleet.engine._drain import DrainReport
from fleet.engine._fleet import CsmsUnreachable, FleetOutcome, StationFactory, run_fleet
from fleet.engine._identities import (
    IdentityError,
    StationIdentities,
    StationIdentity,
    load_stations_file,
)
from fleet.engine._job import EXIT_OK, EXIT_UNREACHABLE, JobResult, RunJob, print_progress_line, run_job
from fleet.engine._lean_websocket import (
    DEFAULT_TRANSPORT,
    TRANSPORTS,
    LeanWebSocket,
    StationWebSocket,
    Transport,
    open_lean_websocket,
)
from fleet.engine._limits import TooManyStations, raise_open_file_limit
from fleet.engine._ocpp_mix import OcppMix
from fleet.engine._protocol import ShellStation
from fleet.engine._runner import StationRunner
from fleet.engine._security import ClientSecurity, SecuritySetupError, basic_auth_header
from fleet.engine._shards import EXIT_WORKER_DIED, default_workers, run_scaled, run_sharded
from fleet.engine._source_addresses import automatic_source_addresses, parse_source_addresses

__all__ = [
    "DEFAULT_TRANSPORT",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "EXIT_WORKER_DIED",
    "TRANSPORTS",
    "Backoff",
    "ClientSecurity",
    "CsmsUnreachable",
    "DrainReport",
    "FleetConfig",
    "FleetOutcome",
    "FrameCapture",
    "IdentityError",
    "JobResult",
    "LeanWebSocket",
    "OcppMix",
    "RunJob",
    "SecuritySetupError",
    "ShellStation",
    "StationFactory",
    "StationIdentities",
    "StationIdentity",
    "StationRunner",
    "StationWebSocket",
    "SubprotocolRefused",
    "TooManyStations",
    "Transport",
    "automatic_source_addresses",
    "basic_auth_header",
    "classify_connect_error",
    "default_workers",
    "load_stations_file",
    "open_lean_websocket",
    "open_station_websocket",
    "parse_source_addresses",
    "print_progress_line",
    "raise_open_file_limit",
    "run_fleet",
    "run_job",
    "run_scaled",
    "run_sharded",
]
