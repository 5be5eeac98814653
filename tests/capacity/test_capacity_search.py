"""`fleet capacity`'s search against the embedded CSMS with a service time, on a MockClock: one
queue of 10 ms per message and heartbeats every second saturate it at 100 stations."""

from __future__ import annotations

import trio
import trio.testing
from _capacity_support import heartbeat_job

from fleet.capacity import CapacityPlan, Precision, Step, StepRunner, capacity_answer, search_capacity
from fleet.metrics import parse_slo


def _runner(slo: str = "p99(Heartbeat) < 100ms", hold_s: float = 20.0) -> StepRunner:
    plan = CapacityPlan(start_stations=20, max_stations=400, warmup_s=5.0, hold_s=hold_s)
    return StepRunner(heartbeat_job(), plan, [parse_slo(slo)])


async def test_service_time_latency_stays_flat_below_saturation_and_grows_above(
    autojump_clock: trio.testing.MockClock,
) -> None:
    runner = _runner(hold_s=30.0)
    with trio.fail_after(600):
        below = await runner(60)
        above = await runner(150)
    assert below.verdict == "good" and above.verdict == "bad"
    # below N* = 100: about one service time (a message may wait for one or two others)
    assert 9.0 <= below.latency_ms["Heartbeat"]["p50"] <= 40.0
    # above: 1.5x the load a queue of 10 ms serves: the backlog grows by a third of the arrivals
    assert above.latency_ms["Heartbeat"]["p99"] > 1000.0
    assert 90.0 <= above.messages_per_s <= 160.0


async def test_the_search_finds_the_breakpoint_within_the_precision(
    autojump_clock: trio.testing.MockClock,
) -> None:
    runner = _runner()
    plan = CapacityPlan(
        start_stations=20,
        max_stations=400,
        step=Step(factor=2.0),
        precision=Precision(fraction=0.1),
        warmup_s=5.0,
        hold_s=20.0,
    )
    runner = StepRunner(runner.job, plan, runner.slos)
    with trio.fail_after(3600):
        outcome = await search_capacity(plan, runner)
    assert outcome.good is not None and outcome.bad is not None and outcome.inconclusive is None
    # steps 20, 40, 80 pass, 160 fails, then bisection to within 10 %
    assert [step.stations for step in outcome.steps][:4] == [20, 40, 80, 160]
    assert outcome.bad.stations - outcome.good.stations <= 0.1 * outcome.good.stations
    assert 80 <= outcome.good.stations <= 100 <= outcome.bad.stations <= 115
    answer = capacity_answer(outcome, ["p99(Heartbeat) < 100ms"], "stations")
    assert answer.finding == "found"
    assert answer.line.startswith(f"holds {outcome.good.stations:,} stations (")
    assert f"breaks at {outcome.bad.stations:,}: p99(Heartbeat) < 100ms failed (measured" in answer.line
