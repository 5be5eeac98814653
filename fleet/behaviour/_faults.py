"""Random faults of one station: connectivity outages and connector faults, each a Poisson process.

A new fault is drawn only after the previous one of the same kind has cleared (faults of one kind
do not overlap), so the realised rate is ``rate / (1 + rate * mean duration)`` — indistinguishable
from ``rate`` for minutes-long faults a few times a day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fleet.behaviour._distributions import draw
from fleet.behaviour._profile_schema import Distribution

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Fault:
    start: float
    end: float


class FaultProcess:
    """Faults at ``per_day`` a day (exponential gaps), each lasting a draw of ``duration_s``."""

    def __init__(self, per_day: float, duration_s: Distribution, rng: random.Random, start_at: float) -> None:
        self._rate_s = per_day / DAY_S
        self._duration_s = duration_s
        self._rng = rng
        self._started = False  # the current fault has begun (its start was passed to advance)
        self.current: Fault | None = self._after(start_at)

    def _after(self, at: float) -> Fault | None:
        if self._rate_s <= 0.0:
            return None
        start = at + self._rng.expovariate(self._rate_s)
        # a zero-length fault would be invisible; a negative one is a profile mistake clipped here
        return Fault(start, start + max(1.0, draw(self._duration_s, self._rng)))

    def active_until(self, now: float) -> float | None:
        """The end of the fault in force at ``now``, or None."""
        fault = self.current
        if fault is not None and fault.start <= now < fault.end:
            return fault.end
        return None

    def next_change(self) -> float | None:
        """When the fault state changes next (the current fault starts or ends)."""
        fault = self.current
        if fault is None:
            return None
        return fault.start if not self._started else fault.end

    def advance(self, now: float) -> list[tuple[float, bool]]:
        """Move on to ``now``; the changes passed, in order: (time, True = fault began / False = ended)."""
        changes: list[tuple[float, bool]] = []
        for _ in range(1000):  # bounded: a profile with absurd rates cannot hang a station
            fault = self.current
            if fault is None:
                break
            if not self._started and fault.start <= now:
                self._started = True
                changes.append((fault.start, True))
            elif self._started and fault.end <= now:
                self._started = False
                changes.append((fault.end, False))
                self.current = self._after(fault.end)
            else:
                break
        return changes
