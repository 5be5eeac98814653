"""Locust-style CSV files (issue 18, finding 5): Locust's headers, rows from the exact histograms."""

import csv
from pathlib import Path
from typing import Any

import pytest

from fleet.metrics import (
    RunRecorder,
    TimeSeries,
    write_locust_failures,
    write_locust_history,
    write_locust_stats,
)
from fleet.metrics._locust_csv import FAILURES_COLUMNS, HISTORY_COLUMNS, STATS_COLUMNS


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run() -> tuple[RunRecorder, dict[str, Any]]:
    recorder, clock = RunRecorder(), _Clock()
    series = TimeSeries(clock=clock, start=0.0, interval_s=1.0)
    for second in range(3):
        clock.now = second + 0.5
        for millis in range(1, 11):
            for sink in (recorder, series):
                sink.call_succeeded("Heartbeat", millis / 1000)
    for sink in (recorder, series):
        sink.call_failed("Authorize", "InternalError", 0.004)
        sink.call_failed("Authorize", "InternalError", 0.006)
        sink.call_failed("Authorize", "SecurityError", 0.008)
    clock.now = 3.0
    summary = recorder.summary(ocpp_version="2.0.1", duration_s=3.0, stations_configured=2)
    summary["timeseries"] = series.to_dict()
    summary["run"] = {"started_at_epoch": 1_000.0}
    return recorder, summary


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as file:
        return next(csv.reader(file))


def test_locust_headers_exactly() -> None:
    locust_stats = pytest.importorskip("locust.stats")
    percentiles = locust_stats.get_readable_percentiles(locust_stats.PERCENTILES_TO_REPORT)
    assert STATS_COLUMNS[11:] == percentiles and HISTORY_COLUMNS[6:17] == percentiles
    assert STATS_COLUMNS[:3] == ["Type", "Name", "Request Count"]
    assert FAILURES_COLUMNS == ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]


def test_stats_one_row_per_action_and_aggregated(tmp_path: Path) -> None:
    recorder, summary = _run()
    path = tmp_path / "r_stats.csv"
    write_locust_stats(str(path), summary, recorder, {})
    assert _header(path) == STATS_COLUMNS
    authorize, heartbeat, total = _rows(path)
    assert (authorize["Type"], authorize["Name"], authorize["Request Count"], authorize["Failure Count"]) == (
        "2.0.1",
        "Authorize",
        "3",
        "3",
    )
    assert heartbeat["Name"] == "Heartbeat" and heartbeat["Request Count"] == "30"
    assert float(heartbeat["Median Response Time"]) == pytest.approx(5.0, rel=0.01)
    assert float(heartbeat["100%"]) == pytest.approx(10.0, rel=0.01)
    assert float(heartbeat["Requests/s"]) == pytest.approx(10.0)
    assert (total["Type"], total["Name"], total["Request Count"], total["Failure Count"]) == (
        "",
        "Aggregated",
        "33",
        "3",
    )
    assert float(total["Failures/s"]) == pytest.approx(1.0)


def test_mixed_fleet_rows_per_version(tmp_path: Path) -> None:
    recorder, summary = _run()
    older = RunRecorder()
    older.call_succeeded("StartTransaction", 0.003)
    summary["by_ocpp_version"] = {
        "1.6": older.summary(ocpp_version="1.6", duration_s=3.0, stations_configured=1)
    }
    path = tmp_path / "m_stats.csv"
    write_locust_stats(str(path), summary, recorder, {"1.6": older})
    first, total = _rows(path)
    assert (first["Type"], first["Name"], first["Request Count"]) == ("1.6", "StartTransaction", "1")
    assert total["Name"] == "Aggregated"


def test_history_rows_per_interval_cumulative(tmp_path: Path) -> None:
    _, summary = _run()
    path = tmp_path / "r_stats_history.csv"
    write_locust_history(str(path), summary)
    assert _header(path) == HISTORY_COLUMNS
    rows = _rows(path)
    # each row is stamped at its interval's end (the last one ends with the series, at 2.5 s)
    assert [row["Timestamp"] for row in rows] == ["1001", "1002", "1002"]
    assert [row["Total Request Count"] for row in rows] == ["10", "20", "33"]
    assert [row["Total Failure Count"] for row in rows] == ["0", "0", "3"]
    assert {row["Name"] for row in rows} == {"Aggregated"}
    assert float(rows[0]["Requests/s"]) == pytest.approx(10.0)


def test_failures_by_action_and_error_code(tmp_path: Path) -> None:
    _, summary = _run()
    path = tmp_path / "r_failures.csv"
    write_locust_failures(str(path), summary)
    assert _header(path) == FAILURES_COLUMNS
    assert [(r["Method"], r["Name"], r["Error"], r["Occurrences"]) for r in _rows(path)] == [
        ("2.0.1", "Authorize", "InternalError", "2"),
        ("2.0.1", "Authorize", "SecurityError", "1"),
    ]
