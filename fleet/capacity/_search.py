"""The search: step the load up until a step fails, then bisect between the last good and the
first bad step until the gap is within the precision. A saturated generator stops it (neither
good nor bad: the search says so instead of reporting a false breakpoint)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fleet.capacity._plan import CapacityPlan, midpoint
from fleet.capacity._step import StepResult

RunStep = Callable[[int], Awaitable[StepResult]]
OnStep = Callable[[int, StepResult], None]


@dataclass(slots=True)
class SearchOutcome:
    steps: list[StepResult] = field(default_factory=list)  # in the order they ran
    good: StepResult | None = None  # the largest good step
    bad: StepResult | None = None  # the smallest bad step
    inconclusive: StepResult | None = None  # the step where the generator saturated (search stopped)

    @property
    def reached_max(self) -> bool:
        return self.bad is None and self.inconclusive is None


async def search_capacity(
    plan: CapacityPlan, run_step: RunStep, on_step: OnStep | None = None
) -> SearchOutcome:
    """Run the steps ``plan`` asks for with ``run_step`` (stations -> judged step)."""
    outcome = SearchOutcome()

    async def run(stations: int) -> StepResult:
        step = await run_step(stations)
        outcome.steps.append(step)
        if on_step is not None:
            on_step(len(outcome.steps), step)
        if step.verdict == "inconclusive":
            outcome.inconclusive = step
        elif step.verdict == "good":
            outcome.good = step
        else:
            outcome.bad = step
        return step

    stations = plan.start_stations
    while (await run(stations)).verdict == "good":
        if stations >= plan.max_stations:
            return outcome
        stations = min(plan.step.after(stations), plan.max_stations)
    # a run that could not happen at all (the CSMS unreachable) says nothing about fewer stations
    while outcome.inconclusive is None and outcome.bad is not None and outcome.bad.failure is None:
        low = outcome.good.stations if outcome.good is not None else 0
        if plan.precision.reached(low, outcome.bad.stations):
            break
        await run(midpoint(low, outcome.bad.stations))
    return outcome
