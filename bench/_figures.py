"""From what the worker recorded to the figures a result states (flat name -> number, units in
the names, so ``compare`` can treat every figure the same way)."""

from __future__ import annotations

import math
from typing import Any

# (t, cpu_s, rss_bytes, connected, booted, messages) as the worker's Timeline samples them
Sample = tuple[float, float, int, int, int, int]

CONNECTION_ERRORS = ("connect_error", "connection_lost")
_T, _CPU, _RSS, _CONNECTED, _BOOTED, _MESSAGES = range(6)
_TEARDOWN_MARGIN_S = 0.3  # samples this close to the end may already see stations closing
_MIN_STEADY_MESSAGES = 20  # fewer round trips than this in the steady window say nothing per message


def figures(raw: dict[str, Any], stations: int, duration_s: float) -> dict[str, float]:
    """The figures of one generator run (fleet or peer) that lasted ``duration_s``."""
    summary: dict[str, Any] = raw["summary"]
    samples: list[Sample] = [tuple(s) for s in raw["timeline"]]
    # the run's end, before the stations are closed: what follows is teardown
    ends_at = samples[0][_T] + duration_s - _TEARDOWN_MARGIN_S
    timeline = [s for s in samples if s[_T] <= ends_at] or samples[:1]
    first, last = timeline[0], timeline[-1]
    booted_all = next((s for s in timeline if s[_BOOTED] >= stations), None)
    out: dict[str, float] = {
        "stations_configured": stations,
        "stations_connected_peak": summary["stations"]["connected_peak"],
        "stations_connected_at_end": last[_CONNECTED],
        "stations_booted": min(summary["stations"]["booted"], stations),
        "reconnects": summary["stations"]["reconnects"],
        "messages": summary["messages_sent"],  # all of them, teardown included
        "messages_per_s": _round((last[_MESSAGES] - first[_MESSAGES]) / max(last[_T] - first[_T], 1e-9)),
        "errors": _error_count(summary, connection=False),
        "connection_errors": _error_count(summary, connection=True),
        "cpu_s": _round(last[_CPU] - first[_CPU]),
        "rss_end_mb": _round(last[_RSS] / 2**20),
    }
    if last[_MESSAGES] > first[_MESSAGES]:
        # ramp-up, connects and boots included: what the whole run cost per message
        out["cpu_us_per_message"] = _round(
            (last[_CPU] - first[_CPU]) / (last[_MESSAGES] - first[_MESSAGES]) * 1e6
        )
    connected = last[_CONNECTED]
    if connected and last[_RSS]:
        out["rss_per_station_kb"] = _round((last[_RSS] - first[_RSS]) / connected / 1024)
    if booted_all is not None:
        out["connect_boot_all_s"] = _round(booted_all[_T] - first[_T])
        messages = last[_MESSAGES] - booted_all[_MESSAGES]
        seconds = last[_T] - booted_all[_T]
        if messages >= _MIN_STEADY_MESSAGES and seconds > 0:
            # a station's CALL and its answer: every message counted here was answered
            out["cpu_us_per_round_trip"] = _round((last[_CPU] - booted_all[_CPU]) / messages * 1e6)
            out["steady_messages_per_s"] = _round(messages / seconds)
    out.update(_lag(raw["lateness"], booted_all[_T] if booted_all is not None else None))
    out.update(_recovery(timeline, stations))
    for action, stats in summary["actions"].items():
        latency = stats.get("latency_ms") or {}
        for key in ("p50", "p99"):
            if key in latency:
                out[f"latency_{key}_ms.{action}"] = latency[key]
    health = summary.get("generator")
    if isinstance(health, dict):  # the fleet engine's own health report, when it has one
        out.update(_numbers(health, "generator."))
    return out


def _numbers(data: dict[str, Any], prefix: str) -> dict[str, float]:
    """The numbers in ``data`` (nested dicts flattened to dotted names); flags as 0/1."""
    out: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_numbers(value, f"{prefix}{key}."))
        elif isinstance(value, bool):
            out[prefix + key] = int(value)
        elif isinstance(value, int | float):
            out[prefix + key] = value
    return out


def _error_count(summary: dict[str, Any], *, connection: bool) -> int:
    """Failed calls and error events; or (``connection``) only failed connects and lost
    connections, which a CSMS restart causes by design."""
    events = sum(int(e["count"]) for e in summary["errors"] if (e["kind"] in CONNECTION_ERRORS) == connection)
    if connection:
        return events
    return events + sum(int(stats.get("errors", 0)) for stats in summary["actions"].values())


def _lag(lateness: list[list[float]], steady_from: float | None) -> dict[str, float]:
    """Timer lateness of the probe task, over the whole run and once all stations had booted."""
    out: dict[str, float] = {}
    everything = sorted(late for _, late in lateness)
    if everything:
        out["lag_p99_ms"] = _round(_percentile(everything, 99) * 1e3)
        out["lag_max_ms"] = _round(everything[-1] * 1e3)
    if steady_from is not None:
        steady = sorted(late for t, late in lateness if t >= steady_from)
        if steady:
            out["lag_p99_steady_ms"] = _round(_percentile(steady, 99) * 1e3)
    return out


def _recovery(timeline: list[Sample], stations: int) -> dict[str, float]:
    """After the whole fleet was connected, if connections dropped: how long until all were back
    (the time the CSMS was down included)."""
    full_at = next((i for i, s in enumerate(timeline) if s[_CONNECTED] >= stations), None)
    if full_at is None:
        return {}
    drop = next((s for s in timeline[full_at:] if s[_CONNECTED] < stations), None)
    if drop is None:
        return {}
    back = next((s for s in timeline if s[_T] > drop[_T] and s[_CONNECTED] >= stations), None)
    if back is None:
        regained = max(s[_CONNECTED] for s in timeline if s[_T] > drop[_T])
        return {"stations_not_back": stations - regained}
    return {"reconnect_all_s": _round(back[_T] - drop[_T])}


def _percentile(ordered: list[float], q: float) -> float:
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def _round(value: float) -> float:
    return round(value, 3) if math.isfinite(value) else value


def ratios(fleet: dict[str, float], peer: dict[str, float]) -> dict[str, float]:
    """fleet / peer for every figure both have (and the peer's is not 0)."""
    return {
        name: round(value / peer[name], 3)
        for name, value in fleet.items()
        # generator.* is the fleet engine's own health report: the peer has nothing comparable
        if name in peer
        and peer[name]
        and not name.startswith("generator.")
        and math.isfinite(value)
        and math.isfinite(peer[name])
    }
