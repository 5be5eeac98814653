"""Stepped load (``fleet run --stages``, k6 style): ``30s:100,1m:100,30s:300``.

Each stage ramps the number of connected stations linearly from the previous stage's target (the
first from 0) to its own over its duration. Station index order is the ramp order: going up starts
the lowest index not running, going down stops the highest running one, so the ids and seeds of a
staged run are those of a flat run of as many stations.

A stage may end with ``xF`` (``10m:1000x2``): from the stage's start on, the drivers' arrival rate
is F times the profile's (the simple driver's idle time runs F times faster). A stage without one
keeps the previous stage's multiplier (the first: 1). The multipliers become one ``RateSchedule``
on the stations' simulated clock (``stage_rate_schedule``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fleet.behaviour import RateSchedule, SpeedClock
from fleet.chaos import parse_duration

_EXAMPLE = "e.g. 5m:1000 or 5m:1000x2"


@dataclass(frozen=True, slots=True)
class Stage:
    duration_s: float  # seconds the ramp to ``stations`` takes (then the next stage begins)
    stations: int  # connected stations at the end of the stage
    # the arrival rate's multiplier during the stage; None in every stage when no stage has an xF
    # (the run's --rate-multiplier holds throughout), set in every stage when one has
    rate_multiplier: float | None = None

    def to_dict(self) -> dict[str, float | int]:
        stage: dict[str, float | int] = {"duration_s": self.duration_s, "stations": self.stations}
        if self.rate_multiplier is not None:
            stage["rate_multiplier"] = self.rate_multiplier
        return stage


def parse_stages(text: str) -> tuple[Stage, ...]:
    """``DURATION:STATIONS[xF][,DURATION:STATIONS[xF]...]``; ValueError naming the bad item
    otherwise. When one stage has an ``xF``, every stage gets its multiplier (a stage without one
    keeps the previous stage's, the first 1)."""
    stages = tuple(_parse_stage(item.strip()) for item in text.split(","))
    if stages_peak(stages) < 1 or stages_duration(stages) <= 0:
        raise ValueError(f"{text!r}: the stages need a station and a duration, {_EXAMPLE}")
    if not stages_have_multipliers(stages):
        return stages
    carried, resolved = 1.0, []
    for stage in stages:
        carried = stage.rate_multiplier if stage.rate_multiplier is not None else carried
        resolved.append(Stage(stage.duration_s, stage.stations, carried))
    return tuple(resolved)


def _parse_stage(item: str) -> Stage:
    duration, colon, rest = item.partition(":")
    target, x, factor = rest.lower().partition("x")
    problem = f"{item!r}: expected DURATION:STATIONS or DURATION:STATIONSxF, {_EXAMPLE}"
    if not colon or not target.strip().isdigit():
        raise ValueError(problem)
    try:
        seconds = parse_duration(duration, "")
    except ValueError:
        raise ValueError(problem) from None
    multiplier = _multiplier(item, factor) if x else None
    return Stage(seconds, int(target), multiplier)  # 0s: a jump to the target


def _multiplier(item: str, factor: str) -> float:
    try:
        value = float(factor)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise ValueError(f"{item!r}: the rate multiplier after x must be a number greater than 0, {_EXAMPLE}")
    return value


def stages_have_multipliers(stages: Sequence[Stage]) -> bool:
    return any(stage.rate_multiplier is not None for stage in stages)


def stage_rate_schedule(stages: Sequence[Stage], clock: SpeedClock) -> RateSchedule | None:
    """The stages' multipliers on the stations' simulated clock: stage k's from
    ``clock.to_sim(clock.origin + its start in real seconds)`` on (``clock``: the run's, its origin
    the run's start). None when the stages have no multipliers."""
    if not stages_have_multipliers(stages):
        return None
    steps, begun = [], 0.0
    for stage in stages:
        steps.append((clock.to_sim(clock.origin + begun), stage.rate_multiplier or 1.0))
        begun += stage.duration_s
    return RateSchedule.of(steps)


def stages_duration(stages: Sequence[Stage]) -> float:
    return sum(stage.duration_s for stage in stages)


def stages_peak(stages: Sequence[Stage]) -> int:
    return max(stage.stations for stage in stages)


def staged_schedule(stages: Sequence[Stage]) -> Iterator[tuple[float, int, bool]]:
    """(seconds after the start, station index, True: start / False: stop), in time order.

    Going up from ``a`` to ``b`` over ``d`` seconds, station ``n`` (a <= n < b) starts at
    ``d * (n - a) / (b - a)`` into the stage (the first at once, as a flat ramp's station 0); going
    down, station ``n`` (b <= n < a) stops at ``d * (a - 1 - n) / (a - b)`` (the highest at once)."""
    begun, running = 0.0, 0
    for stage in stages:
        target, seconds = stage.stations, stage.duration_s
        step = seconds / abs(target - running) if target != running else math.inf
        if target > running:
            for n in range(running, target):
                yield begun + step * (n - running), n, True
        else:
            for n in range(running - 1, target - 1, -1):
                yield begun + step * (running - 1 - n), n, False
        begun, running = begun + seconds, target


def flat_schedule(stations: int, ramp_per_s: float) -> Iterator[tuple[float, int, bool]]:
    """A flat run's ramp: station ``i`` starts ``i / ramp_per_s`` after the start and stays."""
    for index in range(stations):
        yield index / ramp_per_s, index, True
