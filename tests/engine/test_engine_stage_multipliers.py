"""`fleet run --stages 30s:20,60s:20,60s:20x4`: in the x4 stage the simple drivers arrive four
times as often, so about four times as many transactions start per minute as in the x1 stage
(MockClock time, embedded CSMS over loopback, counted from the capture file)."""

from __future__ import annotations

import json
from pathlib import Path

import trio
import trio.testing

from fleet.behaviour import DriverSettings, SpeedClock
from fleet.engine import FleetConfig, RunJob, parse_stages, run_job, stages_duration, stages_peak
from fleet.engine._stages import stage_rate_schedule

_SPEED = 60.0  # a real minute is a simulated hour


def _starts(capture: Path) -> list[float]:
    """Simulated times of the TransactionEvent Started the stations sent."""
    times = []
    for line in capture.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["dir"] != "sent":
            continue
        frame = json.loads(record["frame"])
        if frame[0] == 2 and frame[2] == "TransactionEvent" and frame[3]["eventType"] == "Started":
            times.append(record["t"])
    return times


def _first_sent(capture: Path) -> float:
    """The simulated time of the first frame: station 0 connects at the run's start."""
    return float(json.loads(capture.read_text(encoding="utf-8").splitlines()[0])["t"])


async def test_the_x4_stage_starts_about_four_times_the_transactions(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    stages = parse_stages("30s:20,60s:20,60s:20x4")
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(
            csms_url="",
            stations=stages_peak(stages),
            duration_s=stages_duration(stages),
            seed=11,
            speed=_SPEED,
            stages=stages,
            drain_timeout_s=0,
        ),
        evses_per_station=3,
        # idle time (1200 s at x1, 300 s at x4) dominates a cycle: 20 s charging, 1 s steps
        driver=DriverSettings(mean_idle_s=1200, mean_charge_s=20, step_s=1),
        capture_path=str(capture),
    )
    with trio.fail_after(stages_duration(stages) + 120):
        result = await run_job(job)
    assert result.exit_code == 0 and result.summary is not None
    origin = _first_sent(capture)
    starts = _starts(capture)
    x1 = sum(1 for t in starts if origin + 30 * _SPEED <= t < origin + 90 * _SPEED)
    x4 = sum(1 for t in starts if origin + 90 * _SPEED <= t < origin + 150 * _SPEED)
    # a cycle is idle + charge + 2 steps: 1222 s at x1, 322 s at x4, so 3.8 times the starts;
    # 60 drivers for a simulated hour each: about 180 starts at x1 and 670 at x4 (Poisson-like
    # counts, the ratio's sd about 0.35): between 3 and 5
    assert x1 > 100, (x1, x4)
    assert 3.0 <= x4 / x1 <= 5.0, (x1, x4)


def test_the_schedule_is_on_the_stations_simulated_clock() -> None:
    """Stage starts in real seconds from the run's start become simulated times through the run's
    SpeedClock; x1 stages before the first xF add no change point."""
    clock = SpeedClock(speed=_SPEED, origin=100.0)
    schedule = stage_rate_schedule(parse_stages("30s:20,60s:20x1,60s:20x4,10s:0x0.5"), clock)
    assert schedule is not None
    assert schedule.changes == ((100.0 + 90 * _SPEED, 4.0), (100.0 + 150 * _SPEED, 0.5))
    assert stage_rate_schedule(parse_stages("30s:20,60s:20"), clock) is None
