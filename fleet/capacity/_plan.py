"""How `fleet capacity` steps the load up and narrows the breakpoint down: the plan's numbers and
the two pure rules (the next step up; the next station count to try between good and bad)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Step:
    """How the load grows: ``x2`` multiplies the stations by ``factor``, ``+100`` adds ``increment``."""

    factor: float = 2.0
    increment: int = 0

    def after(self, stations: int) -> int:
        if self.increment:
            return stations + self.increment
        return max(stations + 1, math.ceil(stations * self.factor))


@dataclass(frozen=True, slots=True)
class Precision:
    """When the bisection stops: the gap between good and bad is at most ``stations``, or at most
    ``fraction`` of the good count (``5%``)."""

    stations: int = 0
    fraction: float = 0.0

    def reached(self, good: int, bad: int) -> bool:
        gap = bad - good
        if gap <= 1:
            return True
        if self.fraction:
            return gap <= self.fraction * good
        return gap <= self.stations


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    start_stations: int
    max_stations: int
    step: Step = Step()
    precision: Precision = Precision(fraction=0.05)
    warmup_s: float = 10.0
    hold_s: float = 30.0

    def __post_init__(self) -> None:
        if self.start_stations < 1:
            raise ValueError(f"--start-stations: expected at least 1, got {self.start_stations}")
        if self.max_stations < self.start_stations:
            raise ValueError(
                f"--max-stations {self.max_stations} is below --start-stations {self.start_stations}"
            )


def midpoint(good: int, bad: int) -> int:
    """The station count halfway between a good and a bad step."""
    return good + (bad - good) // 2


def parse_step(text: str) -> Step:
    """``x2``, ``*1.5`` (a factor above 1) or ``+100`` / ``100`` (an increment of stations)."""
    spelled = text.strip()
    try:
        if spelled[:1] in ("x", "*"):
            factor = float(spelled[1:])
            if math.isfinite(factor) and factor > 1.0:
                return Step(factor=factor)
        else:
            increment = int(spelled.removeprefix("+"))
            if increment >= 1:
                return Step(increment=increment)
    except ValueError:
        pass
    raise ValueError(f"expected a factor above 1 like x2 or an increment like +100, got {text!r}")


def parse_precision(text: str) -> Precision:
    """``5%`` (of the good count) or ``50`` (stations)."""
    spelled = text.strip()
    try:
        if spelled.endswith("%"):
            percent = float(spelled[:-1])
            if math.isfinite(percent) and 0.0 < percent < 100.0:
                return Precision(fraction=percent / 100.0)
        else:
            stations = int(spelled)
            if stations >= 1:
                return Precision(stations=stations)
    except ValueError:
        pass
    raise ValueError(f"expected a share like 5% or a number of stations like 50, got {text!r}")
