"""Stepped load (``fleet run --stages``, k6 style): ``30s:100,1m:100,30s:300``.

Each stage ramps the number of connected stations linearly from the previous stage's target (the
first from 0) to its own over its duration. Station index order is the ramp order: going up starts
the lowest index not running, going down stops the highest running one, so the ids and seeds of a
staged run are those of a flat run of as many stations.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fleet.chaos import parse_duration

_EXAMPLE = "e.g. 5m:1000"


@dataclass(frozen=True, slots=True)
class Stage:
    duration_s: float  # seconds the ramp to ``stations`` takes (then the next stage begins)
    stations: int  # connected stations at the end of the stage

    def to_dict(self) -> dict[str, float | int]:
        return {"duration_s": self.duration_s, "stations": self.stations}


def parse_stages(text: str) -> tuple[Stage, ...]:
    """``DURATION:STATIONS[,DURATION:STATIONS...]``; ValueError naming the bad item otherwise."""
    stages = tuple(_parse_stage(item.strip()) for item in text.split(","))
    if stages_peak(stages) < 1 or stages_duration(stages) <= 0:
        raise ValueError(f"{text!r}: the stages need a station and a duration, {_EXAMPLE}")
    return stages


def _parse_stage(item: str) -> Stage:
    duration, colon, target = item.partition(":")
    problem = f"{item!r}: expected DURATION:STATIONS, {_EXAMPLE}"
    if not colon or not target.strip().isdigit():
        raise ValueError(problem)
    try:
        seconds = parse_duration(duration, "")
    except ValueError:
        raise ValueError(problem) from None
    return Stage(seconds, int(target))  # 0s: a jump to the target


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
