"""`fleet run --stages`: connected stations follow the stages up, hold, down and up again, with
the ids and seeds of a flat run (MockClock time, embedded CSMS over loopback)."""

from __future__ import annotations

import random
from typing import Any, cast

import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.connection import Recorder
from fleet.engine import FleetConfig, RunJob, Stage, parse_stages, run_job, stages_duration, stages_peak
from fleet.engine._clock import trio_speed_clock
from fleet.engine._fleet import _Ramp
from fleet.engine._probe import FirstAttempt
from fleet.engine._station_pool import StationPool
from fleet.station import LazyRandom, ShellStation

_STAGES = "20s:10,20s:10,10s:4,20s:10"  # up, hold, down, up


def _target(stages: tuple[Stage, ...], t: float) -> float:
    """Where the stages' linear ramp is ``t`` seconds after the start."""
    begun, previous = 0.0, 0
    for stage in stages:
        if t <= begun + stage.duration_s:
            return previous + (stage.stations - previous) * (t - begun) / stage.duration_s
        begun, previous = begun + stage.duration_s, stage.stations
    return float(previous)


async def _run(config: FleetConfig, capture: str | None = None) -> dict[str, Any]:
    job = RunJob(
        fleet=config,
        driver=DriverSettings(mean_idle_s=5, mean_charge_s=8, step_s=1),
        capture_path=capture,
    )
    with trio.fail_after(config.duration_s + 60):
        result = await run_job(job)
    assert result.exit_code == 0 and result.summary is not None
    return result.summary


async def test_connected_stations_follow_the_stages(autojump_clock: trio.testing.MockClock) -> None:
    stages = parse_stages(_STAGES)
    config = FleetConfig(
        csms_url="", stations=stages_peak(stages), duration_s=stages_duration(stages), seed=5, stages=stages
    )
    summary = await _run(config)
    series = summary["timeseries"]
    interval = series["interval_s"]
    connected = series["connected"]
    seen = 0
    for i, count in enumerate(connected):
        t = i * interval
        low = min(_target(stages, t), _target(stages, t + interval))
        high = max(_target(stages, t), _target(stages, t + interval))
        assert low - 1 <= count <= high + 1, (t, count, low, high)  # within one interval's ramp
        seen += 1
    assert seen * interval >= 60
    assert max(connected) == 10 and summary["stations"]["connected_peak"] == 10
    at = {round(i * interval): count for i, count in enumerate(connected)}
    assert at[30] == 10 and at[max(t for t in at if t < 50)] in (4, 5) and at[max(at)] >= 9


class _Pool:
    """What the ramp asks of the station pool, written down: (time, what, index, id, seeds)."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, int, str, int, int]] = []

    def start(
        self,
        index: int,
        station_id: str,
        station: Any,
        recorder: Any,
        rng: LazyRandom | random.Random,
        probe: FirstAttempt | None,
    ) -> None:
        if probe is not None:
            probe.report(None)
        core_draw = station  # the factory below returns its rng's first draw as the "station"
        self.calls.append(
            (trio.current_time(), "start", index, station_id, core_draw, int(rng.random() * 2**53))
        )

    def stop(self, index: int) -> None:
        self.calls.append((trio.current_time(), "stop", index, "", 0, 0))


async def _ramp(config: FleetConfig) -> list[tuple[float, str, int, str, int, int]]:
    pool = _Pool()
    started = trio.current_time()
    ramp = _Ramp(
        config,
        started,
        trio_speed_clock(speed=1.0, origin=started),
        lambda index, station_id, rng, now: cast(ShellStation, rng.getrandbits(64)),
        lambda index: cast(Recorder, None),
        None,
    )
    await ramp.run(cast(StationPool, pool))
    return [(round(c[0] - started, 6), *c[1:]) for c in pool.calls]


async def test_a_staged_run_has_the_ids_and_seeds_of_a_flat_run(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """Station i gets the same id and seeds in a staged and a flat run, and again when it restarts."""
    flat = await _ramp(FleetConfig(csms_url="ws://x", stations=4, ramp_per_s=2, seed=9))
    staged = await _ramp(
        FleetConfig(csms_url="ws://x", stations=4, seed=9, stages=parse_stages("2s:4,1s:4,2s:1,1s:4"))
    )
    assert [call[1:] for call in staged[:4]] == [call[1:] for call in flat]
    assert [(round(call[0], 3), *call[1:3]) for call in staged[4:]] == [
        (3.0, "stop", 3), (3.667, "stop", 2), (4.333, "stop", 1),
        (5.0, "start", 1), (5.333, "start", 2), (5.667, "start", 3),
    ]  # fmt: skip
    restarted = {call[2]: call[3:] for call in staged[7:]}
    assert restarted == {call[2]: call[3:] for call in flat[1:]}
    assert [call[3] for call in flat] == ["SIM-00000", "SIM-00001", "SIM-00002", "SIM-00003"]


async def test_a_shard_runs_only_its_own_stations_with_their_seeds(
    autojump_clock: trio.testing.MockClock,
) -> None:
    whole = await _ramp(FleetConfig(csms_url="ws://x", stations=6, seed=9, stages=parse_stages("3s:6")))
    shard = await _ramp(
        FleetConfig(csms_url="ws://x", stations=6, seed=9, stages=parse_stages("3s:6"), indices=range(3, 6))
    )
    assert shard == whole[3:]


async def test_a_planned_ramp_down_is_not_an_outage(autojump_clock: trio.testing.MockClock) -> None:
    """Ten stations leaving at once by plan (a stage down to 0 in 0 s) lose nothing: the connected
    count goes down, but no outage window opens (a burst of 10 lost would open one)."""
    stages = parse_stages("5s:10,10s:10,0s:0,5s:0,5s:10,5s:10")
    config = FleetConfig(
        csms_url="", stations=stages_peak(stages), duration_s=stages_duration(stages), seed=5, stages=stages
    )
    summary = await _run(config)
    connected = summary["timeseries"]["connected"]
    assert 0 in connected and connected[-1] == 10  # they did leave, and came back
    outages = summary["timeseries"]["outages"]
    assert outages["windows"] == [] and outages["more_windows"] == 0, outages
