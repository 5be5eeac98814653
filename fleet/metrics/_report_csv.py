"""The report's time series as CSV, one row per interval, and the ``data:`` URI the page's
download link carries (the report stays one file: no server, no second file)."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any


def timeseries_csv(series: Mapping[str, Any], x: Mapping[str, Any]) -> str:
    """The columns of ``TimeSeries.to_dict`` (rates per second, percentiles in ms; empty where
    nothing completed), with the simulated time of day when the x axis shows it."""
    columns = _columns(series)
    t = series.get("t", [])
    header = ["t_s", *(["sim_time_utc"] if x["time"] else []), *columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row, start in enumerate(t):
        when = [_iso(x["values"][row])] if x["time"] else []
        writer.writerow([start, *when, *(_value(column, row) for column in columns.values())])
    return out.getvalue()


def csv_data_uri(text: str) -> str:
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def _columns(series: Mapping[str, Any]) -> dict[str, Sequence[Any]]:
    columns: dict[str, Sequence[Any]] = {
        name: series[name]
        for name in (
            "messages_per_s",
            "call_errors_per_s",
            "errors",
            "connected",
            "transactions_active",
            "busy_fraction_max",
            "calls_waiting_max",
        )
        if name in series
    }
    for action, rates in sorted(series.get("actions_per_s", {}).items()):
        columns[f"{action}_calls_per_s"] = rates["calls"]
        columns[f"{action}_failed_per_s"] = rates["failed"]
    for action, latency in sorted(series.get("latency_ms", {}).items()):
        for key in ("p50", "p90", "p99", "max"):
            columns[f"{action}_{key}_ms"] = latency[key]
    for key, column in (series.get("lateness_ms") or {}).items():
        if key != "count":
            columns[f"timer_lateness_{key}_ms"] = column
    return columns


def _value(column: Sequence[Any], row: int) -> Any:
    value = column[row] if row < len(column) else None
    return "" if value is None else value


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
