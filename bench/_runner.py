"""Run one scenario: start the target, run the generator worker (and the peer), write the result."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from bench._figures import figures, ratios
from bench._machine import machine_facts
from bench._processes import Target, Worker
from bench._scenario import Scenario
from bench._worker_job import WorkerJob

RESULT_FORMAT = 1
TIMELINE_COLUMNS = [
    "t_s",
    "cpu_s",
    "rss_bytes",
    "connected",
    "booted",
    "messages",
    "transactions_active",
    "processes",
]
_TIMELINE_POINTS = 200  # enough to plot the ramp and the steady state, small enough to commit
# time a worker may take beyond its run: start-up, ramp, closing every connection
_WORKER_SLACK_S = 120.0


def run_scenario(
    scenario: Scenario,
    out_dir: Path,
    *,
    scale: float = 1.0,
    implementation: str | None = None,
    with_peer: bool | None = None,
    note: str = "",
    log: Callable[[str], None] = print,
) -> tuple[dict[str, Any], Path]:
    """Run ``scenario`` (``scale`` times its stations) and write ``out_dir/NAME.json``.

    ``implementation`` overrides the scenario's ("fleet" or "peer"); ``with_peer`` (default: the
    scenario's ``peer``) also runs the peer baseline and adds ``peer`` and ``ratio_to_peer``.
    """
    s = scenario.scaled(scale)
    impl = implementation or s.implementation
    result: dict[str, Any] = {
        "format": RESULT_FORMAT,
        "scenario": msgspec.to_builtins(s),
        "scale": scale,
        "implementation": impl,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "note": note,
    }
    if s.saturation is not None:
        result.update(_saturation(s, impl, log))
    else:
        result.update(_one_run(s, impl, log))
        if (with_peer if with_peer is not None else s.peer) and impl == "fleet":
            peer = _one_run(s, "peer", log)
            result["peer"] = peer
            result["ratio_to_peer"] = ratios(result["figures"], peer["figures"])
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if scale == 1.0 else f"-x{scale:g}"
    suffix += "" if impl == s.implementation else f"-{impl}"
    path = out_dir / f"{s.name}{suffix}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return result, path


def _one_run(s: Scenario, impl: str, log: Callable[[str], None]) -> dict[str, Any]:
    target = Target(s.target, s.csms.heartbeat_interval, s.csms.response_delay_s, s.csms_workers)
    target.start()
    try:
        log(
            f"{s.name}: {impl}, {s.stations} stations, {s.duration_s:g} s "
            f"against the {s.target} at {target.url}"
        )
        raw = _generate(s, impl, target, s.stations, s.duration_s, "PEER-" if impl == "peer" else "SIM-")
    finally:
        target.stop()
    run: dict[str, Any] = {
        "figures": figures(raw, s.stations, s.duration_s, s.evses),
        # the run's own per-second time series is large; the result keeps the thinned timeline
        "summary": {key: value for key, value in raw["summary"].items() if key != "timeseries"},
        "timeline": {"columns": TIMELINE_COLUMNS, "samples": _thin(raw["timeline"], _TIMELINE_POINTS)},
    }
    if target.ledgers:
        run["csms_ledger"] = target.ledgers
    # what rss_per_station_kb subtracts: the generator processes' RSS with no station
    run["rss_baseline_bytes"] = {
        "total": raw.get("rss_baseline_bytes"),
        "per_shard_worker": raw.get("worker_baseline_rss_bytes", 0),
    }
    return run


def _generate(
    s: Scenario, impl: str, target: Target, stations: int, duration_s: float, id_prefix: str
) -> dict[str, Any]:
    """One generator worker run; a scenario with ``restart`` has the target restarted meanwhile."""
    job = WorkerJob(s, impl, target.url, stations, duration_s, id_prefix)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        job_path, raw_path = Path(tmp, "job.json"), Path(tmp, "raw.json")
        job_path.write_bytes(msgspec.json.encode(job))
        started = time.monotonic()
        worker = Worker(job_path, raw_path, duration_s + _WORKER_SLACK_S + stations / s.ramp_per_s)
        if s.restart is not None:
            time.sleep(max(0.0, started + s.restart.at_s - time.monotonic()))
            target.restart(s.restart.down_s)
        worker.wait()
        data: dict[str, Any] = json.loads(raw_path.read_bytes())
        return data


def _thin(samples: list[Any], points: int) -> list[Any]:
    step = max(1, len(samples) // points)
    return samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])


def _saturation(s: Scenario, impl: str, log: Callable[[str], None]) -> dict[str, Any]:
    """Steps of rising station counts, every station heartbeating each interval; the knee is the
    last step that kept up (delivered rate, Heartbeat p99 and timer lateness within limits)."""
    assert s.saturation is not None
    limits = s.saturation
    target = Target(s.target, s.csms.heartbeat_interval, s.csms.response_delay_s, s.csms_workers)
    target.start()
    steps: list[dict[str, Any]] = []
    knee: dict[str, Any] | None = None
    try:
        for count in limits.steps:
            log(f"{s.name}: step {count} stations, {limits.step_duration_s:g} s ({impl}, {s.target})")
            raw = _generate(s, impl, target, count, limits.step_duration_s, f"S{count}-")
            got = figures(raw, count, limits.step_duration_s, s.evses)
            offered = count / s.csms.heartbeat_interval
            step: dict[str, Any] = {
                "stations": count,
                "offered_per_s": round(offered, 1),
                "delivered_per_s": got.get("steady_messages_per_s", 0.0),
                "heartbeat_p99_ms": got.get("latency_p99_ms.Heartbeat"),
                "lag_p99_ms": got.get("lag_p99_steady_ms"),
                "cpu_us_per_round_trip": got.get("cpu_us_per_round_trip"),
                "errors": got["errors"],
            }
            broke = _broken(
                step,
                offered,
                limits.latency_p99_limit_ms,
                limits.lag_p99_limit_ms,
                limits.min_delivered_ratio,
            )
            step["broke"] = broke
            steps.append(step)
            if broke:
                break
            knee = step
    finally:
        target.stop()
    out: dict[str, float] = {}
    if knee is not None:
        out = {
            "saturation_knee_stations": knee["stations"],
            "saturation_knee_messages_per_s": knee["delivered_per_s"],
        }
        if knee["cpu_us_per_round_trip"] is not None:
            out["cpu_us_per_round_trip"] = knee["cpu_us_per_round_trip"]
    return {"figures": out, "steps": steps, "knee_found": any(step["broke"] for step in steps)}


def _broken(step: dict[str, Any], offered: float, p99_ms: float, lag_ms: float, ratio: float) -> str:
    """Why a step is past the knee ("" if it kept up)."""
    if step["errors"]:
        return f"{step['errors']} errors"
    if step["delivered_per_s"] < ratio * offered:
        return f"delivered {step['delivered_per_s']}/s of {offered:.0f}/s offered"
    if step["heartbeat_p99_ms"] is None or step["heartbeat_p99_ms"] > p99_ms:
        return f"Heartbeat p99 {step['heartbeat_p99_ms']} ms > {p99_ms} ms"
    if step["lag_p99_ms"] is not None and step["lag_p99_ms"] > lag_ms:
        return f"timer lateness p99 {step['lag_p99_ms']} ms > {lag_ms} ms"
    return ""
