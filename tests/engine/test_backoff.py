"""Reconnect delays grow exponentially to a ceiling and are jittered within the upper half."""

from __future__ import annotations

import random

from fleet.behaviour import Backoff


def test_delays_double_up_to_the_ceiling() -> None:
    backoff = Backoff(initial_s=1.0, factor=2.0, max_s=60.0)
    ceilings = [backoff.delay(attempt, 0.999999) for attempt in range(1, 10)]
    assert [round(c) for c in ceilings] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_jitter_stays_in_the_upper_half_and_spreads() -> None:
    backoff = Backoff(initial_s=1.0, factor=2.0, max_s=60.0)
    rng = random.Random(7)
    delays = [backoff.delay(4, rng.random()) for _ in range(1000)]
    assert all(4.0 <= d < 8.0 for d in delays)
    assert max(delays) - min(delays) > 3.5  # spread, so reconnects do not come in lockstep
