"""The engine's simulated clock: the shared SpeedClock read off trio's clock (MockClock in tests)."""

from __future__ import annotations

import trio

from fleet.behaviour import SpeedClock


def trio_speed_clock(speed: float = 1.0, origin: float = 0.0) -> SpeedClock:
    return SpeedClock(speed=speed, origin=origin, real_time=trio.current_time)
