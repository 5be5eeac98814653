"""The trio shell: sockets, timers, ramp-up, reconnects."""

from fleet.engine._capture import FrameCapture
from fleet.engine._config import FleetConfig
from fleet.engine._displays import NoSuchStation, StationDisplays
from fleet.engine._drain import DrainReport
from fleet.engine._fleet import CsmsUnreachable, FleetOutcome, StationFactory, run_fleet
from fleet.engine._job import (
    EXIT_NOT_BOOTED,
    EXIT_OK,
    EXIT_SETUP,
    EXIT_UNREACHABLE,
    JobResult,
    RunJob,
    print_progress_line,
    run_job,
)
from fleet.engine._limits import TooManyStations, raise_open_file_limit
from fleet.engine._ocpp_mix import OcppMix
from fleet.engine._segment import Segment
from fleet.engine._segment_merge import SegmentMergeError, merge_segments, mergeable_part
from fleet.engine._shards import EXIT_WORKER_DIED, default_workers, run_scaled, run_sharded
from fleet.engine._source_addresses import automatic_source_addresses, parse_source_addresses
from fleet.engine._stages import Stage, parse_stages, stages_duration, stages_have_multipliers, stages_peak

__all__ = [
    "EXIT_NOT_BOOTED",
    "EXIT_OK",
    "EXIT_SETUP",
    "EXIT_UNREACHABLE",
    "EXIT_WORKER_DIED",
    "CsmsUnreachable",
    "DrainReport",
    "FleetConfig",
    "FleetOutcome",
    "FrameCapture",
    "JobResult",
    "NoSuchStation",
    "OcppMix",
    "RunJob",
    "Segment",
    "SegmentMergeError",
    "Stage",
    "StationDisplays",
    "StationFactory",
    "TooManyStations",
    "automatic_source_addresses",
    "default_workers",
    "merge_segments",
    "mergeable_part",
    "parse_source_addresses",
    "parse_stages",
    "print_progress_line",
    "raise_open_file_limit",
    "run_fleet",
    "run_job",
    "run_scaled",
    "run_sharded",
    "stages_duration",
    "stages_have_multipliers",
    "stages_peak",
]
