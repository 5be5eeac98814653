"""Real time to simulated time: `--speed X` runs the stations' clocks X times faster.

The stations only ever see simulated seconds; sockets, connect timeouts and backoff live in
real seconds. At speed 1 both are the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import trio


@dataclass(frozen=True, slots=True)
class SimClock:
    speed: float = 1.0
    origin: float = 0.0  # the real time (trio clock) at which simulated time equals it too

    def now(self) -> float:
        """Simulated now."""
        return self.to_sim(trio.current_time())

    def to_sim(self, real: float) -> float:
        return self.origin + (real - self.origin) * self.speed

    def to_real(self, sim: float | None) -> float:
        """The real time at which a simulated deadline falls (inf for no deadline)."""
        if sim is None:
            return math.inf
        return self.origin + (sim - self.origin) / self.speed

    def real_duration(self, sim_seconds: float) -> float:
        return sim_seconds / self.speed
