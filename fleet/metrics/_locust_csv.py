"""``fleet run --csv PREFIX``: the results as Locust's CSV files, with Locust's exact headers.

``PREFIX_stats.csv`` (one row per OCPP action, Type = its OCPP version, or ``OCPP`` for a mixed
fleet without a per-version split, then the ``Aggregated`` row), ``PREFIX_stats_history.csv``
(the ``Aggregated`` row per interval of the run's time series, with cumulative percentiles as
Locust writes them) and ``PREFIX_failures.csv`` (failed calls by action and error code). A
request is a CALL a station sent and got an answer (or an error) to. Times are milliseconds from
the exact histograms (``RunRecorder.latency``), kept to the microsecond where Locust rounds to
whole milliseconds: loopback OCPP latencies are below one. Content sizes are not measured (0).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from typing import Any

from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._recorder import RunRecorder

# locust.stats.PERCENTILES_TO_REPORT and the columns of locust.stats.StatsCSV (Locust 2.x)
PERCENTILES = (0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0)
_PERCENTILE_COLUMNS = ["50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]
STATS_COLUMNS = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    *_PERCENTILE_COLUMNS,
]
HISTORY_COLUMNS = [
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    *_PERCENTILE_COLUMNS,
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
]
FAILURES_COLUMNS = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]


def write_locust_stats(
    path: str, summary: Mapping[str, Any], recorder: RunRecorder, by_version: Mapping[str, RunRecorder]
) -> None:
    """``_stats.csv``: per action (per OCPP version when ``by_version`` splits a mixed fleet)."""
    seconds = max(float(summary.get("duration_s") or 0.0), 1e-9)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(STATS_COLUMNS)
        for kind, source, action in _entries(summary, recorder, by_version):
            _, _, failed = source.call_counts(action)
            writer.writerow(_stats_row(kind, action, source.latency(action), failed, seconds))
        _, _, failed = recorder.call_counts()
        writer.writerow(_stats_row("", "Aggregated", recorder.latency(), failed, seconds))


def write_locust_history(path: str, summary: Mapping[str, Any]) -> None:
    """``_stats_history.csv``: the Aggregated row per interval of ``summary["timeseries"]``."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HISTORY_COLUMNS)
        writer.writerows(_history_rows(summary))


def write_locust_failures(path: str, summary: Mapping[str, Any]) -> None:
    """``_failures.csv``: failed calls grouped by action and error code (no first/last seen)."""
    kind = _type(summary)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(FAILURES_COLUMNS)
        for action, stats in sorted((summary.get("actions") or {}).items()):
            for code, count in sorted((stats.get("errors_by_code") or {}).items()):
                writer.writerow([kind, action, code, count, "", ""])


def _type(summary: Mapping[str, Any]) -> str:
    version = str(summary.get("ocpp_version") or "")
    return version if version and version != "mixed" else "OCPP"


def _entries(
    summary: Mapping[str, Any], recorder: RunRecorder, by_version: Mapping[str, RunRecorder]
) -> Iterator[tuple[str, RunRecorder, str]]:
    """(Type, recorder, action) per stats row, sorted like Locust's (by name, then type)."""
    if by_version:
        split = summary.get("by_ocpp_version") or {}
        rows = [
            (action, version)
            for version in by_version
            for action in (split.get(version, {}).get("actions") or {})
        ]
        for action, version in sorted(rows):
            yield version, by_version[version], action
        return
    for action in sorted(summary.get("actions") or {}):
        yield _type(summary), recorder, action


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def _stats_row(kind: str, name: str, latency: LatencyHistogram, failed: int, seconds: float) -> list[Any]:
    count = latency.count
    return [
        kind,
        name,
        count,
        failed,
        *_totals(latency)[:4],
        0,
        round(count / seconds, 6),
        round(failed / seconds, 6),
        *_percentiles(latency),
    ]


def _totals(latency: LatencyHistogram) -> list[Any]:
    """Median, average, min, max (ms) and the average content size, as Locust's totals."""
    if latency.count == 0:
        return [0, 0, 0, 0, 0]
    return [_ms(latency.percentile(50.0)), _ms(latency.mean), _ms(latency.min), _ms(latency.max), 0]


def _percentiles(latency: LatencyHistogram) -> list[Any]:
    if latency.count == 0:
        return ["N/A"] * len(PERCENTILES)
    return [_ms(value) for value in latency.percentiles([q * 100.0 for q in PERCENTILES])]


def _history_rows(summary: Mapping[str, Any]) -> Iterator[list[Any]]:
    series = summary.get("timeseries") or {}
    starts: list[float] = series.get("t") or []
    if not starts:
        return
    run = summary.get("run") or {}
    epoch = float(run.get("started_at_epoch") or 0.0)  # without run metadata: seconds from the start
    interval = float(series.get("interval_s") or 1.0)
    t_end = float(series.get("t_end") or starts[-1] + interval)
    by_action = (series.get("histograms") or {}).get("latency") or {}
    connected = series.get("connected") or [0] * len(starts)
    call_errors = series.get("call_errors") or [0] * len(starts)
    total, failures = LatencyHistogram(), 0
    for position, start in enumerate(starts):
        now = LatencyHistogram()
        for points in by_action.values():
            if points[position] is not None:
                now.merge(LatencyHistogram.from_dict(points[position]))
        total.merge(now)
        failures += int(call_errors[position])
        covered = max(min(interval, t_end - start), 1e-9)
        ended = min(start + interval, t_end)
        yield [
            int(epoch + ended),
            int(connected[position]),
            "",
            "Aggregated",
            f"{now.count / covered:2f}",
            f"{int(call_errors[position]) / covered:2f}",
            *_percentiles(total),
            total.count,
            failures,
            *_totals(total),
        ]
