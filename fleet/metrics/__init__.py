"""Run statistics: latency histograms, the run recorder, reports. Imports nothing else of fleet."""

from fleet.metrics._capacity_report import write_capacity_report
from fleet.metrics._comparability import (
    EMBEDDED_CSMS,
    Difference,
    RunShape,
    differences,
    ocpp_label,
    run_shape,
)
from fleet.metrics._compare import (
    Figure,
    ResultsError,
    Verdict,
    check_results_shape,
    compare_results,
    figure_names,
)
from fleet.metrics._compare_formats import (
    Comparison,
    comparison_json,
    comparison_markdown,
    differences_line,
    format_comparison,
)
from fleet.metrics._exporter import (
    DEFAULT_METRICS_HOST,
    DEFAULT_METRICS_PORT,
    MetricsExporter,
    MetricsPortUnavailable,
    disable_created_series,
)
from fleet.metrics._generator_health import GeneratorHealth
from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._html_report import write_html_report
from fleet.metrics._json_file import write_json
from fleet.metrics._junit import junit_xml, unmeasured_verdicts, write_junit
from fleet.metrics._latency_digest import DIGEST_PERCENTILES, latency_digest
from fleet.metrics._locust_csv import write_locust_failures, write_locust_history, write_locust_stats
from fleet.metrics._loss import loss_accounting
from fleet.metrics._outages import OutageTracker
from fleet.metrics._prometheus import REQUEST_DURATION_BUCKETS, PrometheusMetrics, PrometheusRecorder
from fleet.metrics._recorder import RunRecorder, Snapshot
from fleet.metrics._report import format_progress, format_summary
from fleet.metrics._run_info import RUN_INFO_METRIC, prometheus_label_name, publish_run_info
from fleet.metrics._shortfalls import stations_never_booted
from fleet.metrics._slo import Slo, SloResult, SloSyntaxError, evaluate_slos, parse_slo
from fleet.metrics._slo_abort import DEFAULT_ABORT_DELAY_S, AbortOnFail, SloLost, SloWatch
from fleet.metrics._timeseries import TimeSeries
from fleet.metrics._tolerance import ToleranceError, ToleranceRule, Tolerances, parse_tolerance

__all__ = [
    "DEFAULT_ABORT_DELAY_S",
    "DEFAULT_METRICS_HOST",
    "DEFAULT_METRICS_PORT",
    "DIGEST_PERCENTILES",
    "EMBEDDED_CSMS",
    "REQUEST_DURATION_BUCKETS",
    "RUN_INFO_METRIC",
    "AbortOnFail",
    "Comparison",
    "Difference",
    "Figure",
    "GeneratorHealth",
    "LatencyHistogram",
    "MetricsExporter",
    "MetricsPortUnavailable",
    "OutageTracker",
    "PrometheusMetrics",
    "PrometheusRecorder",
    "ResultsError",
    "RunRecorder",
    "RunShape",
    "Slo",
    "SloLost",
    "SloResult",
    "SloSyntaxError",
    "SloWatch",
    "Snapshot",
    "TimeSeries",
    "ToleranceError",
    "ToleranceRule",
    "Tolerances",
    "Verdict",
    "check_results_shape",
    "compare_results",
    "comparison_json",
    "comparison_markdown",
    "differences",
    "differences_line",
    "disable_created_series",
    "evaluate_slos",
    "figure_names",
    "format_comparison",
    "format_progress",
    "format_summary",
    "junit_xml",
    "latency_digest",
    "loss_accounting",
    "ocpp_label",
    "parse_slo",
    "parse_tolerance",
    "prometheus_label_name",
    "publish_run_info",
    "run_shape",
    "stations_never_booted",
    "unmeasured_verdicts",
    "write_capacity_report",
    "write_html_report",
    "write_json",
    "write_junit",
    "write_locust_failures",
    "write_locust_history",
    "write_locust_stats",
]
