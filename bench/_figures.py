"""From what the worker recorded to the figures a result states (flat name -> number, units in
the names, so ``compare`` can treat every figure the same way)."""

from __future__ import annotations

import math
from typing import Any

from fleet.metrics import LatencyHistogram

# (t, cpu_s, rss_bytes, connected, booted, messages, transactions_active, processes) as the
# worker's Timeline samples them; CPU and RSS summed over the generator's processes
Sample = tuple[float, ...]

CONNECTION_ERRORS = ("connect_error", "connection_lost")
_T, _CPU, _RSS, _CONNECTED, _BOOTED, _MESSAGES, _TX_ACTIVE, _PROCESSES = range(8)
_TEARDOWN_MARGIN_S = 0.3  # samples this close to the end may already see stations closing
_MIN_STEADY_MESSAGES = 20  # fewer round trips than this in the steady window say nothing per message


def figures(raw: dict[str, Any], stations: int, duration_s: float, evses: int = 1) -> dict[str, float]:
    """The figures of one generator run (fleet or peer) that lasted ``duration_s``."""
    summary: dict[str, Any] = raw["summary"]
    samples: list[Sample] = [tuple(s) for s in raw["timeline"]]
    # the run's end, before the stations are closed: what follows is teardown (a sharded run's
    # stations start once its worker processes are up: run_started_s after the first sample)
    started = samples[0][_T] + raw.get("run_started_s", 0.0)
    ends_at = started + duration_s - _TEARDOWN_MARGIN_S
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
    out["processes"] = int(max(s[_PROCESSES] for s in timeline))
    connected = last[_CONNECTED]
    if connected and last[_RSS]:
        # the baseline: the processes' RSS with no station (in a sharded run the parent's first
        # sample plus, per shard worker, an empty shard's RSS measured beforehand)
        baseline = raw.get("rss_baseline_bytes", first[_RSS])
        out["rss_per_station_kb"] = _round((last[_RSS] - baseline) / connected / 1024)
    if booted_all is not None:
        out["connect_boot_all_s"] = _round(booted_all[_T] - first[_T])
        messages = last[_MESSAGES] - booted_all[_MESSAGES]
        seconds = last[_T] - booted_all[_T]
        if messages >= _MIN_STEADY_MESSAGES and seconds > 0:
            # a station's CALL and its answer: every message counted here was answered
            out["cpu_us_per_round_trip"] = _round((last[_CPU] - booted_all[_CPU]) / messages * 1e6)
            out["steady_messages_per_s"] = _round(messages / seconds)
    steady_from = booted_all[_T] if booted_all is not None else None
    out.update(_lag(raw["lateness"], steady_from))
    out.update(
        _timer_lateness(
            summary.get("timeseries"),
            None if steady_from is None else steady_from - started,
            ends_at - started,
        )
    )
    if steady_from is not None:
        out.update(_transactions(timeline, steady_from, stations * evses))
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


def _timer_lateness(
    series: dict[str, Any] | None, steady_from: float | None, ends: float
) -> dict[str, float]:
    """Station timer lateness (the fleet engine's own measure, every shard's) from the run's time
    series: over the run, and over the intervals that start after every station had booted
    (``steady_from`` and ``ends`` in s since the stations' run began, the series' own origin)."""
    if not series or "histograms" not in series:
        return {}
    interval = float(series["interval_s"])
    everything, steady = LatencyHistogram(), LatencyHistogram()
    for i, sparse in enumerate(series["histograms"]["lateness"]):
        if sparse is None or (i + 1) * interval > ends:
            continue
        bucket = LatencyHistogram.from_dict(sparse)
        everything.merge(bucket)
        if steady_from is not None and i * interval >= steady_from:
            steady.merge(bucket)
    out: dict[str, float] = {}
    for name, histogram in (("timer_lateness", everything), ("timer_lateness_steady", steady)):
        if histogram.count:
            out[f"{name}_p99_ms"] = _round(histogram.percentile(99) * 1e3)
            out[f"{name}_count"] = histogram.count
    return out


def _transactions(timeline: list[Sample], steady_from: float, evses: int) -> dict[str, float]:
    """Share of EVSEs in a transaction over the steady state: mean, and the least sampled."""
    shares = [s[_TX_ACTIVE] / evses for s in timeline if s[_T] >= steady_from and len(s) > _TX_ACTIVE]
    if not shares or not any(shares):
        return {}
    return {
        "transactions_active_share_mean": _round(sum(shares) / len(shares)),
        "transactions_active_share_min": _round(min(shares)),
    }


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
