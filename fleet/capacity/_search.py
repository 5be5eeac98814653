"""The search: step the load (a level: stations, or an arrival-rate multiplier) up until a step
fails, then bisect between the last good and the first bad step until the gap is within the
precision. A saturated generator stops it (neither good nor bad: the search says so instead of
reporting a false breakpoint)."""

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
    levels: list[int] = field(default_factory=list)  # each step's load level (LoadAxis), in order

    def level_of(self, step: StepResult) -> int:
        return self.levels[self.steps.index(step)]

    @property
    def reached_max(self) -> bool:
        return self.bad is None and self.inconclusive is None


async def search_capacity(
    plan: CapacityPlan, run_step: RunStep, on_step: OnStep | None = None
) -> SearchOutcome:
    """Run the steps ``plan`` asks for with ``run_step`` (load level -> judged step)."""
    outcome = SearchOutcome()

    async def run(level: int) -> StepResult:
        step = await run_step(level)
        outcome.steps.append(step)
        outcome.levels.append(level)
        if on_step is not None:
            on_step(len(outcome.steps), step)
        if step.verdict == "inconclusive":
            outcome.inconclusive = step
        elif step.verdict == "good":
            outcome.good = step
        else:
            outcome.bad = step
        return step

    level = plan.start_stations
    while (await run(level)).verdict == "good":
        if level >= plan.max_stations:
            return outcome
        level = min(plan.step.after(level), plan.max_stations)
    # a run that could not happen at all (the CSMS unreachable) says nothing about a lighter load
    while outcome.inconclusive is None and outcome.bad is not None and outcome.bad.failure is None:
        low = outcome.level_of(outcome.good) if outcome.good is not None else 0
        high = outcome.level_of(outcome.bad)
        if plan.precision.reached(low, high):
            break
        await run(midpoint(low, high))
    return outcome
