"""Real time to simulated time for the Locust shell: `--fleet-speed X` runs stations X times faster.

The trio engine has the same mapping on trio's clock; this one reads ``time.monotonic`` because
trio cannot run under gevent. Stations only see simulated seconds; sockets and backoff stay real.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SpeedClock:
    speed: float = 1.0
    origin: float = field(default_factory=time.monotonic)  # real time at which simulated time equals it

    def now(self) -> float:
        """Simulated now."""
        return self.to_sim(time.monotonic())

    def to_sim(self, real: float) -> float:
        return self.origin + (real - self.origin) * self.speed

    def to_real(self, sim: float | None) -> float:
        """The real (monotonic) time a simulated deadline falls at; inf for no deadline."""
        if sim is None:
            return math.inf
        return self.origin + (sim - self.origin) / self.speed
