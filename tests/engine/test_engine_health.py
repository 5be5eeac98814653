"""The generator monitor samples busy fraction, loop lag and queue depth on schedule."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, RunJob, run_job
from fleet.engine._fanout import RecorderFanout
from fleet.engine._health import monitor_generator
from fleet.metrics import RunRecorder


class Samples:
    def __init__(self) -> None:
        self.taken: list[tuple[float, float, int]] = []

    def generator_sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None:
        self.taken.append((busy_fraction, loop_lag_s, calls_waiting))


async def test_busy_fraction_is_cpu_seconds_per_clock_second(autojump_clock: trio.testing.MockClock) -> None:
    cpu = [0.0]
    busy_per_second = 0.25

    def cpu_time() -> float:
        cpu[0] += busy_per_second  # each sample sees a quarter second more CPU
        return cpu[0]

    samples = Samples()
    queue = iter(range(100))
    with trio.move_on_after(5.5):
        await monitor_generator(samples, lambda: next(queue), cpu_time=cpu_time)
    assert [busy for busy, _, _ in samples.taken] == [busy_per_second] * 5
    assert [lag for _, lag, _ in samples.taken] == [0.0] * 5  # MockClock wakes exactly on time
    assert [depth for _, _, depth in samples.taken] == [0, 1, 2, 3, 4]


def test_fanout_hands_lateness_and_samples_on() -> None:
    recorder = RunRecorder()
    fanout = RecorderFanout([recorder])
    fanout.timer_fired(0.003)
    fanout.generator_sampled(0.5, 0.0, 7)
    generator = recorder.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=1)["generator"]
    assert generator["timer_lateness_ms"]["count"] == 1
    assert generator["calls_waiting_max"] == 7


async def test_run_job_results_carry_the_time_series_and_generator_health(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stations, duration = 3, 40.0
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=stations, duration_s=duration, ramp_per_s=10, seed=5),
        driver=DriverSettings(mean_idle_s=5, mean_charge_s=10, step_s=1),
    )
    with trio.fail_after(duration + 30):
        result = await run_job(job)
    summary = result.summary
    assert summary is not None
    series = summary["timeseries"]
    assert series["interval_s"] == 1.0 and len(series["t"]) == pytest.approx(duration, abs=1)
    assert max(series["connected"]) == stations
    # every message the totals count is in exactly one interval
    assert sum(series["messages"]) == summary["messages_sent"]
    for action, stats in summary["actions"].items():
        assert sum(series["latency_ms"][action]["count"]) == stats["ok"] + stats["errors"]
    generator = summary["generator"]
    assert generator["samples"] == pytest.approx(duration, abs=1)
    assert generator["timer_lateness_ms"]["count"] > 0
