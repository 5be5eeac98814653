"""The trio shell: sockets, timers, ramp-up, reconnects."""

from fleet.engine._capture import FrameCapture
from fleet.engine._config import Backoff, FleetConfig
from fleet.engine._connection_errors import SubprotocolRefused, classify_connect_error
from fleet.engine._fleet import CsmsUnreachable, FleetOutcome, StationFactory, run_fleet
from fleet.engine._job import EXIT_OK, EXIT_UNREACHABLE, JobResult, RunJob, print_progress_line, run_job
from fleet.engine._protocol import ShellStation
from fleet.engine._runner import StationRunner

__all__ = [
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "Backoff",
    "CsmsUnreachable",
    "FleetConfig",
    "FleetOutcome",
    "FrameCapture",
    "JobResult",
    "RunJob",
    "ShellStation",
    "StationFactory",
    "StationRunner",
    "SubprotocolRefused",
    "classify_connect_error",
    "print_progress_line",
    "run_fleet",
    "run_job",
]
