"""Human-readable text: the end-of-run table and the one-line progress report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fleet.metrics._error_log import EXAMPLE_STATIONS
from fleet.metrics._recorder import Snapshot
from fleet.metrics._resilience_text import loss_lines, outage_lines
from fleet.metrics._shortfalls import shortfalls

TOP_ERRORS = 10
_COLUMNS = ("action", "sent", "ok", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms")


def format_summary(summary: Mapping[str, Any]) -> str:
    """Render ``RunRecorder.summary()`` output (or the same dict read back from JSON)."""
    lines = _action_table(summary.get("actions", {}))
    stations = summary.get("stations", {})
    lines.append(
        f"stations: {stations.get('configured', 0)} configured, {stations.get('connected_peak', 0)} "
        f"peak connected, {stations.get('booted', 0)} booted, {stations.get('reconnects', 0)} reconnects"
    )
    if deflate := summary.get("deflate"):
        offered, accepted = deflate["offered"], deflate["accepted"]
        lines.append(f"permessage-deflate: {offered} stations offered, {accepted} accepted")
    tx = summary.get("transactions", {})
    lines.append(
        f"transactions: {tx.get('started', 0)} started, {tx.get('ended', 0)} ended, "
        f"{tx.get('energy_kwh', 0.0):.3f} kWh" + _ended_energy(tx)
    )
    requests = summary.get("csms_requests", {})
    if requests:
        answered = ", ".join(
            f"{name} {stats['answered']}" + (f" ({stats['errors']} with error)" if stats["errors"] else "")
            for name, stats in sorted(requests.items())
        )
        lines.append(f"CSMS requests answered: {answered}")
    else:
        lines.append("CSMS requests answered: none")
    lines.extend(_dropped_lines(summary.get("messages_dropped", [])))
    lines.extend(_error_lines(summary))
    lines.extend(_generator_lines(summary.get("generator")))
    lines.extend(_drain_lines(summary.get("drain")))
    lines.extend(outage_lines(summary.get("outages")))
    lines.extend(loss_lines(summary.get("loss")))
    return "\n".join(lines)


def _drain_lines(drain: Mapping[str, Any] | None) -> list[str]:
    if not drain:
        return []
    line = (
        f"end of run: {drain['messages_flushed']} queued messages flushed by {drain['stations_drained']} "
        f"stations in {drain['seconds']:.1f} s"
    )
    if drain["left_unsent"]:
        line += f"; {drain['left_unsent']} CALLs left unsent or unanswered (not in the CSMS's data)"
    return [line]


def _generator_lines(generator: Mapping[str, Any] | None) -> list[str]:
    if not generator:
        return []
    late = generator["timer_lateness_ms"]
    busy = generator["busy_fraction"]
    lines = [
        f"generator: timer lateness p50 {late['p50']:.2f} ms, p99 {late['p99']:.2f} ms, "
        f"max {late['max']:.2f} ms; busy {busy['mean']:.0%} mean, {busy['max']:.0%} max; "
        f"{generator['calls_waiting_max']} CALLs queued at most"
    ]
    cost = generator.get("cost") or {}
    parts = [
        f"{cost[key]:{spec}} {unit}"
        for key, spec, unit in (
            ("cpu_us_per_message", ".1f", "µs CPU per message"),
            ("cpu_us_per_station_second", ".2f", "µs per station-second"),
            ("rss_kb_per_station", ".1f", "KB RSS per station"),
        )
        if cost.get(key) is not None
    ]
    if parts:
        shared = ", embedded CSMS included" if cost.get("includes_embedded_csms") else ""
        lines.append(f"generator cost: {', '.join(parts)} ({cost.get('cpu_s', 0.0):.1f} s CPU{shared})")
    if generator["saturated"]:
        lines.append(
            "!!! GENERATOR SATURATED: these latencies measure the load generator, not only the CSMS ("
            + "; ".join(generator["reasons"])
            + "). Use fewer stations per process or more shards."
        )
    return lines


def _action_table(actions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not actions:
        return ["no calls were sent"]
    rows = [list(_COLUMNS)]
    in_flight = 0
    for name, stats in sorted(actions.items()):
        latency = stats["latency_ms"]
        rows.append(
            [
                name,
                str(stats["sent"]),
                str(stats["ok"]),
                str(stats["errors"]),
                *(f"{latency[key]:.2f}" for key in ("p50", "p90", "p99", "max")),
            ]
        )
        in_flight += stats.get("in_flight", 0)
    widths = [max(len(row[column]) for row in rows) for column in range(len(_COLUMNS))]
    lines = ["  ".join(_aligned(row, widths)) for row in rows]
    if in_flight:
        lines.append(f"({in_flight} calls still unanswered at the end: in sent, not in ok or errors)")
    return lines


def _aligned(row: list[str], widths: list[int]) -> list[str]:
    # the action name reads best left-aligned; the numbers line up on their last digit
    numbers = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
    return [row[0].ljust(widths[0]), *numbers]


def _dropped_lines(dropped: Sequence[Mapping[str, Any]]) -> list[str]:
    if not dropped:
        return []
    total = sum(entry["count"] for entry in dropped)
    return [f"messages dropped: {total}"] + [
        f"  {entry['count']:>8}  {entry['action']}: {entry['reason']}" for entry in dropped[:TOP_ERRORS]
    ]


def _error_lines(summary: Mapping[str, Any]) -> list[str]:
    """``errors: none``, or every shortfall named (errors, failed CALLs, CALLs never sent or
    answered, stations never booted), then the biggest error entries with when and where."""
    phrases = shortfalls(summary)
    if not phrases:
        return ["errors: none"]
    errors: Sequence[Mapping[str, Any]] = summary.get("errors", [])
    ranked = sorted(errors, key=lambda entry: (-entry["count"], entry["kind"], entry["message"]))
    shown = ranked[:TOP_ERRORS]
    lines = ["errors: " + "; ".join(phrases)]
    if len(errors) > len(shown):
        lines.append(f"  the {len(shown)} biggest of {len(errors)} error entries:")
    lines.extend(
        f"  {entry['count']:>8}  {entry['kind']}: {entry['message']}{_when_and_where(entry)}"
        for entry in shown
    )
    return lines


def _when_and_where(entry: Mapping[str, Any]) -> str:
    """`` (1.2-30.5 s; e.g. SIM-00001, SIM-00002, SIM-00003)``: first and last time, stations."""
    first, last = entry.get("first_s"), entry.get("last_s")
    parts = []
    if first is not None and last is not None:
        parts.append(f"at {first:.1f} s" if last - first < 0.05 else f"{first:.1f}-{last:.1f} s")
    stations = list(entry.get("stations", []))
    if stations:  # the first few seen: there may be more
        parts.append(("e.g. " if len(stations) >= EXAMPLE_STATIONS else "") + ", ".join(stations))
    return f" ({'; '.join(parts)})" if parts else ""


def format_progress(
    snapshot: Snapshot,
    rate_per_s: float,
    elapsed_s: float,
    duration_s: float | None,
    *,
    stations_configured: int | None = None,
) -> str:
    """One line, e.g. ``[  12.0s/60s] stations 180/200 connected (peak 200), 1234 msg/s, ...``.

    ``duration_s`` None means an open-ended run; ``stations_configured`` adds the "/200".
    """
    clock = f"{elapsed_s:6.1f}s" + (f"/{duration_s:g}s" if duration_s is not None else "")
    connected = str(snapshot.connected)
    if stations_configured is not None:
        connected += f"/{stations_configured}"
    return (
        f"[{clock}] stations {connected} connected (peak {snapshot.connected_peak}), "
        f"{rate_per_s:.0f} msg/s, {snapshot.errors} errors, {snapshot.transactions_active} tx active"
    )


def _ended_energy(tx: Mapping[str, Any]) -> str:
    """The energy of the ended transactions next to the metered one (results since issue 18)."""
    ended = tx.get("energy_ended_kwh")
    return "" if ended is None else f" metered ({ended:.3f} kWh in ended transactions)"
