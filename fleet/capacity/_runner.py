"""One step as a run: the same job as `fleet run` at one load level (its stations, its arrival
rate), long enough to ramp up, warm up and hold; judged on the window after the ramp and the
warm-up."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from fleet.capacity._axis import STATIONS, LoadAxis
from fleet.capacity._plan import CapacityPlan
from fleet.capacity._step import StepResult, failed_step, judge_step, too_many_for_the_generator
from fleet.engine import RunJob, TooManyStations, default_workers, run_scaled
from fleet.metrics import Slo

Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class StepRunner:
    """Runs ``job`` (its fleet's station count, arrival rate and duration set per step) as one step."""

    job: RunJob
    plan: CapacityPlan
    slos: list[Slo]
    workers: int | None = None  # None: as `fleet run` picks (default_workers)
    csms_workers: int | None = None
    progress: Progress | None = None
    axis: LoadAxis = STATIONS

    def window_start_s(self, stations: int) -> float:
        """When the measurements start: every station has been started, and the warm-up is over."""
        ramp = self.job.fleet.ramp_per_s
        ramp_s = stations / ramp if ramp > 0 and math.isfinite(ramp) else 0.0
        return ramp_s + self.plan.warmup_s

    async def __call__(self, level: int) -> StepResult:
        stations = self.axis.stations_at(level)
        start = self.window_start_s(stations)
        job = self.axis.job_at(self.job, level, duration_s=start + self.plan.hold_s)
        workers = self.workers if self.workers is not None else default_workers(stations)
        return replace(await self._run(job, start, workers), rate_multiplier=self.axis.multiplier_at(level))

    async def _run(self, job: RunJob, start: float, workers: int) -> StepResult:
        stations = job.fleet.stations
        try:
            result = await run_scaled(
                job, workers=workers, csms_workers_count=self.csms_workers, progress=self.progress
            )
        except TooManyStations as exc:  # the generator's limit, not the CSMS's
            return too_many_for_the_generator(stations, str(exc), workers)
        if result.summary is None:
            return failed_step(
                stations, result.failure or f"the run could not happen (exit {result.exit_code})"
            )
        return judge_step(stations, result.summary, self.slos, start, workers)
