"""The station's wall clock: the shell's monotonic ``now`` shifted by a fixed epoch."""

from __future__ import annotations

import math
from datetime import UTC, datetime


class WallClock:
    def __init__(self, epoch: float) -> None:
        self.epoch = epoch

    def at(self, now: float) -> datetime:
        # milliseconds are plenty for OCPP and keep the JSON short
        return datetime.fromtimestamp(round(self.epoch + now, 3), tz=UTC)

    def next_aligned(self, now: float, interval: float) -> float:
        """The first monotonic time after ``now`` whose wall-clock time is a multiple of ``interval``."""
        at = math.floor((self.epoch + now) / interval) * interval - self.epoch
        # float rounding can land on or before ``now``; step on, bounded by two intervals
        for _ in range(3):
            if at > now:
                break
            at += interval
        return at
