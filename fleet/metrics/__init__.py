"""Run statistics: latency histograms, the run recorder, reports. Imports nothing else of fleet."""

from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._json_file import write_json
from fleet.metrics._recorder import RunRecorder, Snapshot
from fleet.metrics._report import format_progress, format_summary

__all__ = [
    "LatencyHistogram",
    "RunRecorder",
    "Snapshot",
    "format_progress",
    "format_summary",
    "write_json",
]
