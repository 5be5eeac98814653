"""A multiplier on the drivers' arrival rate that changes over a run (`fleet run --stages
10m:1000,10m:1000x2`): piecewise constant over the station's simulated time.

Before its first change point the multiplier is 1. Change points where the multiplier stays what it
was are dropped, so a schedule of nothing but x1 has none and draws exactly as no schedule.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateSchedule:
    """``changes``: (simulated time from, multiplier), sorted by time, each multiplier different
    from the one before it (build it with ``RateSchedule.of``)."""

    changes: tuple[tuple[float, float], ...] = ()

    @classmethod
    def of(cls, steps: Iterable[tuple[float, float]]) -> RateSchedule:
        """The schedule of ``steps`` (from time, multiplier > 0 and finite), in time order."""
        changes: list[tuple[float, float]] = []
        previous_at, current = -math.inf, 1.0
        for at, multiplier in steps:
            if not 0 < multiplier < math.inf:
                raise ValueError(f"rate schedule: a multiplier must be finite and > 0, got {multiplier}")
            if at < previous_at:
                raise ValueError(
                    f"rate schedule: change points must be in time order, got {at} after {previous_at}"
                )
            previous_at = at
            if changes and changes[-1][0] == at:
                changes.pop()  # two steps at one instant: the later one holds
                current = changes[-1][1] if changes else 1.0
            if multiplier != current:
                changes.append((at, multiplier))
                current = multiplier
        return cls(tuple(changes))

    def __bool__(self) -> bool:
        return bool(self.changes)

    def multiplier_at(self, at: float) -> float:
        index = bisect.bisect_right(self.changes, at, key=lambda change: change[0])
        return self.changes[index - 1][1] if index else 1.0

    def segments(self, start: float) -> Iterator[tuple[float, float]]:
        """(end, multiplier) of each constant piece from ``start`` on; the last one ends at inf."""
        index = bisect.bisect_right(self.changes, start, key=lambda change: change[0])
        multiplier = self.changes[index - 1][1] if index else 1.0
        for at, following in self.changes[index:]:
            yield at, multiplier
            multiplier = following
        yield math.inf, multiplier

    def advance(self, start: float, work: float) -> float:
        """When ``work`` seconds at multiplier 1 are done, starting at ``start``: the ``t`` where
        the multiplier integrated from ``start`` reaches ``work`` (an exponential wait at a rate
        that follows the schedule, exactly)."""
        begun = start
        for end, multiplier in self.segments(start):
            span = (end - begun) * multiplier
            if work <= span:
                return begun + work / multiplier
            work -= span
            begun = end
        raise AssertionError("the last segment is endless")  # pragma: no cover
