"""Locust-style CSV files (issue 18, finding 5): Locust's headers, rows from the exact histograms."""

import ast
import csv
import importlib.util
import re
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
from fleet.metrics._locust_csv import FAILURES_COLUMNS, HISTORY_COLUMNS, PERCENTILES, STATS_COLUMNS


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


def _locust_columns(source: str, name: str) -> list[str]:
    """The string items of ``self.NAME = [...]`` in Locust's stats.py (read, not imported: Locust
    monkey-patches the process with gevent)."""
    match = re.search(rf"self\.{name} = \[(.*?)\]", source, re.S)
    assert match is not None, name
    return re.findall(r'"([^"]+)"', match.group(1))


def test_locust_headers_exactly() -> None:
    spec = importlib.util.find_spec("locust")
    if spec is None or spec.origin is None:
        pytest.skip("locust is not installed")
    source = (Path(spec.origin).parent / "stats.py").read_text(encoding="utf-8")
    percentiles = re.search(r"^PERCENTILES_TO_REPORT = (\[.*?\])", source, re.M)
    assert percentiles is not None and ast.literal_eval(percentiles.group(1)) == list(PERCENTILES)
    assert _locust_columns(source, "requests_csv_columns") == STATS_COLUMNS[:11]
    assert _locust_columns(source, "stats_history_csv_columns") == HISTORY_COLUMNS[:6] + HISTORY_COLUMNS[17:]
    assert _locust_columns(source, "failures_columns") == FAILURES_COLUMNS
    assert (
        STATS_COLUMNS[11:]
        == HISTORY_COLUMNS[6:17]
        == ["50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]
    )


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
