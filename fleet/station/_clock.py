"""The station's wall clock: the shell's monotonic ``now`` shifted by a fixed epoch."""

from __future__ import annotations

import math
from datetime import UTC, datetime


class WallClock:
    __slots__ = ("_last_at", "_last_now", "epoch")

    def __init__(self, epoch: float) -> None:
        self.epoch = epoch
        # one station stamps several messages with the same ``now`` (a status, then a transaction
        # event): building the datetime once saves the costliest step of building each
        self._last_now = math.nan
        self._last_at = datetime.fromtimestamp(0, tz=UTC)

    def at(self, now: float) -> datetime:
        if now == self._last_now:
            return self._last_at
        # milliseconds are plenty for OCPP and keep the JSON short
        self._last_at = stamp = datetime.fromtimestamp(round(self.epoch + now, 3), tz=UTC)
        self._last_now = now
        return stamp

    def next_aligned(self, now: float, interval: float) -> float:
        """The first monotonic time after ``now`` whose wall-clock time is a multiple of ``interval``."""
        at = math.floor((self.epoch + now) / interval) * interval - self.epoch
        # float rounding can land on or before ``now``; step on, bounded by two intervals
        for _ in range(3):
            if at > now:
                break
            at += interval
        return at
