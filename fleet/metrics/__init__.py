"""Run statistics: latency histograms, the run recorder, reports. Imports nothing else of fleet."""

from fleet.metrics._compare import (
    ResultsError,
    check_results_shape,
    compare_results,
    format_comparison,
)
from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._json_file import write_json
from fleet.metrics._recorder import RunRecorder, Snapshot
from fleet.metrics._report import format_progress, format_summary
from fleet.metrics._slo import Slo, SloResult, SloSyntaxError, evaluate_slos, parse_slo

__all__ = [
    "LatencyHistogram",
    "ResultsError",
    "RunRecorder",
    "Slo",
    "SloResult",
    "SloSyntaxError",
    "Snapshot",
    "check_results_shape",
    "compare_results",
    "evaluate_slos",
    "format_comparison",
    "format_progress",
    "format_summary",
    "parse_slo",
    "write_json",
]
