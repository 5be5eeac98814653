"""A saturated generator never makes a breakpoint: the search stops there, says "inconclusive:
generator saturated" and how many worker processes it would need."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import trio
import trio.testing
from _capacity_support import heartbeat_job

from fleet.capacity import (
    CapacityPlan,
    StepResult,
    StepRunner,
    capacity_answer,
    judge_step,
    search_capacity,
    workers_needed,
)
from fleet.engine import run_job
from fleet.metrics import parse_slo

SLOS = [parse_slo("p99(Heartbeat) < 100ms")]
SATURATED = {
    "saturated": True,
    "reasons": ["timer lateness p99 450 ms > 100 ms"],
    "busy_fraction": {"mean": 0.97, "max": 1.0, "longest_busy_s": 12},
    "cost": {"cpu_us_per_message": 400.0},
}


async def _measured_summary() -> dict[str, Any]:
    job = heartbeat_job()
    result = await run_job(replace(job, fleet=replace(job.fleet, stations=20, duration_s=12.0)))
    assert result.summary is not None
    return result.summary


async def test_a_saturated_step_is_inconclusive_and_stops_the_search(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(120):
        measured = await _measured_summary()

    async def starved_above_40(stations: int) -> StepResult:
        summary = copy.deepcopy(measured)
        if stations > 40:  # the generator could not keep up: its health says so
            summary["generator"] = dict(SATURATED)
        return judge_step(stations, summary, SLOS, window_start_s=2.0, workers=1)

    plan = CapacityPlan(start_stations=20, max_stations=1000, warmup_s=1, hold_s=5)
    outcome = await search_capacity(plan, starved_above_40)
    assert [(step.stations, step.verdict) for step in outcome.steps] == [
        (20, "good"),
        (40, "good"),
        (80, "inconclusive"),
    ]
    assert outcome.bad is None  # no false breakpoint
    answer = capacity_answer(outcome, ["p99(Heartbeat) < 100ms"], "stations")
    assert answer.finding == "inconclusive"
    assert answer.line.startswith("inconclusive: generator saturated at 80 stations (timer lateness p99")
    assert "worker processes (--workers" in answer.line and "breaks at" not in answer.line
    assert answer.to_dict(["p99(Heartbeat) < 100ms"])["inconclusive_at"] == 80


def test_workers_needed_from_cpu_per_message_or_busy_fraction() -> None:
    # 400 us per message at 5,000 msg/s is 2 cores: 3 processes at most 70 % busy each
    assert workers_needed(SATURATED, 5_000.0, workers=1) == 3
    # without a CPU cost: from the busy fraction; always at least one more than ran
    assert workers_needed({"busy_fraction": {"max": 1.0}}, 0.0, workers=2) == 3
    assert workers_needed({"busy_fraction": {"max": 1.0}}, 0.0, workers=4) == 6


def test_the_step_runner_starts_the_window_after_the_ramp_and_the_warm_up() -> None:
    plan = CapacityPlan(start_stations=10, max_stations=100, warmup_s=5, hold_s=10)
    runner = StepRunner(heartbeat_job(), plan, SLOS)  # ramp 1000 stations per second
    assert runner.window_start_s(500) == 5.5


def test_run_totals_are_judged_on_the_whole_step_latencies_on_the_window() -> None:
    summary = {"timeseries": {"t": [0.0], "t_end": 1.0, "messages": [5]}, "stations": {"reconnects": 3}}
    step = judge_step(10, summary, [parse_slo("reconnects == 0")], window_start_s=0.0, workers=1)
    assert step.verdict == "bad" and step.slo[0]["measured"] == 3.0


async def test_a_step_one_process_cannot_open_is_inconclusive_not_a_breakpoint() -> None:
    plan = CapacityPlan(start_stations=10, max_stations=10**7, warmup_s=1, hold_s=1)
    step = await StepRunner(heartbeat_job(), plan, SLOS, workers=1)(10**7)
    assert step.verdict == "inconclusive" and step.workers_needed == 2
    assert "use --workers 2 or more" in step.generator["reasons"][0]
