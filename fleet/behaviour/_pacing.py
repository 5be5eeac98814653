"""How a station shell paces itself: simulated time at ``--speed``, and reconnect backoff.

Shared by the trio engine and the Locust shell (which cannot import trio), so both shells give
the same stations the same clock and the same reconnect pattern. The real-time source is injected:
trio's clock in the engine (so MockClock tests work), ``time.monotonic`` under gevent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpeedClock:
    """Real time to simulated time: stations see simulated seconds, running ``speed`` times faster
    than real ones; sockets, connect timeouts and backoff stay in real seconds."""

    speed: float = 1.0
    origin: float = 0.0  # the real time at which simulated time equals it too
    real_time: Callable[[], float] = time.monotonic

    def now(self) -> float:
        """Simulated now."""
        return self.to_sim(self.real_time())

    def to_sim(self, real: float) -> float:
        return self.origin + (real - self.origin) * self.speed

    def to_real(self, sim: float | None) -> float:
        """The real time at which a simulated deadline falls (inf for no deadline)."""
        if sim is None:
            return math.inf
        return self.origin + (sim - self.origin) / self.speed

    def real_duration(self, sim_seconds: float) -> float:
        return sim_seconds / self.speed


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delays: exponential from ``initial_s`` by ``factor`` up to ``max_s``, with jitter
    (each delay drawn uniformly from its upper half) so a CSMS restart is not met by a synchronized
    reconnect storm."""

    initial_s: float = 1.0
    factor: float = 2.0
    max_s: float = 60.0

    def delay(self, attempt: int, draw: float) -> float:
        """Delay before reconnect ``attempt`` (1-based); ``draw`` is uniform in [0, 1)."""
        ceiling = min(self.max_s, self.initial_s * self.factor ** (attempt - 1))
        return ceiling / 2 + draw * ceiling / 2
