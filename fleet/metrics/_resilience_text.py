"""Outage windows and loss accounting in words: the summary's lines and the report's table rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "not by the end"


def _describe(window: Mapping[str, Any]) -> str:
    delivered = "all delivered" if window["all_delivered"] else "NOT all delivered"
    if window["messages_dropped"]:
        delivered += f", {window['messages_dropped']} dropped"
    return (
        f"{window['stations_lost']} of {window['stations_connected_before']} stations lost; "
        f"95 % back after {_seconds(window['back_95_percent_s'])}, "
        f"all after {_seconds(window['back_all_s'])}; "
        f"{window['messages_queued']} messages queued offline and replayed "
        f"(queue drained after {_seconds(window['queue_drained_s'])}): {delivered}"
    )


def outage_lines(outages: Mapping[str, Any] | None) -> list[str]:
    """``outages: 1 window (rule)`` and one line per window; nothing when there was none."""
    windows: Sequence[Mapping[str, Any]] = (outages or {}).get("windows", [])
    if not windows:
        return []
    assert outages is not None
    more = outages.get("more_windows", 0)
    header = (
        f"outages: {len(windows) + more} window{'s' if len(windows) + more != 1 else ''} ({outages['rule']})"
    )
    if more:
        header += f", the first {more} not kept"
    return [header] + [f"  at {w['start_s']:.1f} s ({w['start_utc']}): {_describe(w)}" for w in windows]


def outage_rows(outages: Mapping[str, Any] | None) -> list[list[Any]]:
    """One row per window for the report's table (``OUTAGE_COLUMNS``)."""
    return [
        [
            f"{w['start_s']:.1f} s ({w['start_utc']})",
            w["stations_lost"],
            _or_dash(w["back_95_percent_s"]),
            _or_dash(w["back_all_s"]),
            w["messages_queued"],
            w["messages_dropped"],
            "yes" if w["all_delivered"] else "no",
        ]
        for w in (outages or {}).get("windows", [])
    ]


def _or_dash(value: Any) -> Any:
    return "-" if value is None else value


OUTAGE_COLUMNS = (
    "started",
    "stations lost",
    "95 % back (s)",
    "all back (s)",
    "queued",
    "dropped",
    "delivered",
)


def loss_lines(loss: Mapping[str, Any] | None) -> list[str]:
    """``transaction messages: 1200 acknowledged, 1200 stored by the CSMS: 0 lost, 0 duplicated,
    0 out of order, 0 seqNo gaps; 35 replayed offline`` (nothing without a CSMS ledger)."""
    if not loss:
        return []
    line = (
        f"transaction messages: {loss['acknowledged']} acknowledged, {loss['stored']} stored by the CSMS: "
        f"{loss['lost']} lost, {loss['duplicated']} duplicated, {loss['out_of_order']} out of order, "
        f"{loss['seq_no_gaps']} seqNo gaps; {loss['replayed_offline']} replayed offline"
    )
    if loss["dropped_by_stations"]:
        line += f"; {loss['dropped_by_stations']} dropped by the stations"
    return [line]


def loss_rows(loss: Mapping[str, Any] | None) -> list[list[Any]]:
    """(measure, count) rows for the report's table."""
    if not loss:
        return []
    keys = ("acknowledged", "stored", "lost", "duplicated", "out_of_order", "seq_no_gaps")
    more = ("stored_unacknowledged", "replayed_offline", "dropped_by_stations")
    return [[key.replace("_", " "), loss[key]] for key in (*keys, *more)]
