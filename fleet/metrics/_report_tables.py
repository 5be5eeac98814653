"""The HTML report's sections below the charts, as data the template renders (and escapes):
each a ``Section`` with a title, an optional banner, note and text, and a table of rows."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fleet.metrics._resilience_text import OUTAGE_COLUMNS, loss_rows, outage_rows
from fleet.metrics._shortfalls import shortfalls


@dataclass(frozen=True, slots=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    numeric_from: int = 1  # columns from this one on are numbers, right-aligned


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    tables: list[Table] = field(default_factory=list)
    text: str | None = None
    note: str | None = None
    banner: tuple[str, str] | None = None  # ("good" | "bad", text)


def cell(value: Any) -> str:
    """A table cell as text: floats with two decimals, ints with thousands separators."""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table_sections(summary: Mapping[str, Any]) -> list[Section]:
    """Every section after the charts, in the order the report shows them."""
    sections = [
        _faults(summary.get("faults")),
        _actions(summary.get("actions", {})),
        _requests(summary.get("csms_requests", {})),
        _transactions(summary),
        *_outages_and_loss(summary),
        _generator(summary.get("generator")),
        _errors(summary),
        _dropped(summary.get("messages_dropped", [])),
    ]
    return [section for section in sections if section is not None]


def _faults(faults: Sequence[Mapping[str, Any]] | None) -> Section | None:
    """The faults injected on purpose (--fault, --csms-fault): what, from when to when."""
    if not faults:
        return None
    rows = [
        [
            f.get("kind", ""),
            f.get("detail", ""),
            f.get("start_s"),
            "end" if f.get("end_s") is None else f["end_s"],
        ]
        for f in faults
    ]
    note = "shaded in the charts above, so each effect shows next to its cause"
    return Section("Faults injected", [Table(("fault", "detail", "from s", "to s"), rows, 2)], note=note)


def _actions(actions: Mapping[str, Mapping[str, Any]]) -> Section:
    if not actions:
        return Section("Calls per action", text="No calls were sent.")
    rows = []
    for name, stats in sorted(actions.items()):
        latency = stats.get("latency_ms", {})
        digest = (float(latency.get(key, 0.0)) for key in ("p50", "p90", "p99", "max"))
        rows.append([name, stats.get("sent", 0), stats.get("ok", 0), stats.get("errors", 0), *digest])
    headers = ("action", "sent", "ok", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms")
    return Section("Calls per action", [Table(headers, rows)])


def _requests(requests: Mapping[str, Mapping[str, Any]]) -> Section | None:
    if not requests:
        return None
    rows = [
        [name, stats.get("answered", 0), stats.get("errors", 0)] for name, stats in sorted(requests.items())
    ]
    return Section("CSMS requests answered", [Table(("action", "answered", "with error"), rows)])


def _transactions(summary: Mapping[str, Any]) -> Section:
    tx = summary.get("transactions", {})
    rows: list[list[Any]] = [["started", tx.get("started", 0)], ["ended", tx.get("ended", 0)]]
    rows += [
        [key.replace("_", " ").replace("kwh", "kWh"), float(value)]
        for key, value in tx.items()
        if "kwh" in key
    ]
    csms = summary.get("csms")
    if isinstance(csms, Mapping):
        rows += [[f"CSMS ledger: {key}", value] for key, value in sorted(csms.items()) if _is_number(value)]
    return Section("Transactions", [Table(("", "value"), rows)])


def _outages_and_loss(summary: Mapping[str, Any]) -> list[Section]:
    """Outage windows (fleet.metrics._outages) and the loss accounting against the CSMS ledger."""
    windows = outage_rows(summary.get("outages"))
    sections = [
        Section("Outages", [Table(OUTAGE_COLUMNS, windows)])
        if windows
        else Section("Outages", text="No outage window.")
    ]
    loss = loss_rows(summary.get("loss"))
    if loss:
        sections.append(Section("Loss accounting (against the CSMS ledger)", [Table(("", "messages"), loss)]))
    return sections


def _generator(generator: Mapping[str, Any] | None) -> Section | None:
    if not generator:
        return None
    late, lag = generator.get("timer_lateness_ms", {}), generator.get("loop_lag_ms", {})
    busy = generator.get("busy_fraction", {})
    rows: list[list[Any]] = [
        ["timer lateness p50 ms", float(late.get("p50", 0.0))],
        ["timer lateness p99 ms", float(late.get("p99", 0.0))],
        ["timer lateness max ms", float(late.get("max", 0.0))],
        ["event-loop lag p99 ms", float(lag.get("p99", 0.0))],
        ["busy fraction mean", float(busy.get("mean", 0.0))],
        ["busy fraction max", float(busy.get("max", 0.0))],
        ["CALLs queued, max", generator.get("calls_waiting_max", 0)],
    ]
    cost = generator.get("cost") or {}
    shared = " (embedded CSMS included)" if cost.get("includes_embedded_csms") else ""
    for label, key in (
        ("CPU per message, µs", "cpu_us_per_message"),
        ("CPU per station-second, µs", "cpu_us_per_station_second"),
        ("RSS per station, KB", "rss_kb_per_station"),
    ):
        if cost.get(key) is not None:
            rows.append([label + shared, float(cost[key])])
    verdict = (
        ("bad", "saturated: " + "; ".join(generator.get("reasons", [])))
        if generator.get("saturated")
        else ("good", "the generator kept up (not saturated)")
    )
    return Section("Generator health", [Table(("", "value"), rows)], banner=verdict)


def _errors(summary: Mapping[str, Any]) -> Section:
    """Every shortfall named (as the printed summary's errors line), then the errors by kind and
    station-free message: count, first and last time, example stations."""
    phrases = shortfalls(summary)
    text = "; ".join(phrases) + "." if phrases else "None."
    errors: Sequence[Mapping[str, Any]] = summary.get("errors", [])
    if not errors:
        return Section("Errors", text=text)
    rows = [
        [
            e.get("kind", ""),
            e.get("message", ""),
            ", ".join(e.get("stations", [])),
            e.get("count", 0),
            _seconds(e.get("first_s")),
            _seconds(e.get("last_s")),
        ]
        for e in errors
    ]
    headers = ("kind", "message", "stations (e.g.)", "count", "first s", "last s")
    return Section("Errors", [Table(headers, rows, 3)], text=text)


def _dropped(dropped: Sequence[Mapping[str, Any]]) -> Section | None:
    if not dropped:
        return None
    rows = [[d.get("action", ""), d.get("reason", ""), d.get("count", 0)] for d in dropped]
    return Section("Messages dropped", [Table(("action", "reason", "count"), rows, 2)])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _seconds(value: Any) -> str:
    """Seconds since the run started, one decimal ("" when not known)."""
    return f"{value:.1f}" if _is_number(value) else ""
