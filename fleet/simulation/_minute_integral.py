"""A rate over time summed per minute, in integers, without a value per second: a constant rate
over [start, end) adds its partial minutes at both ends and one difference-array step for the
whole minutes between (expanded once at the end). Used for energy (a power in W gives mJ per
minute) and for EVSE occupancy (1 EVSE gives EVSE-milliseconds per minute). Integers add exactly,
so shards of a fleet merge in any order to the same result."""

from __future__ import annotations


class MinuteIntegral:
    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        self._edge = [0] * minutes  # the partial minutes of each span, in milli-units
        self._full_diff = [0] * (minutes + 1)  # the rate over whole minutes, differences

    def add(self, start: float, end: float, rate: float) -> None:
        """``rate`` (per second) over [start, end), clipped to the minutes held."""
        end = min(end, self.minutes * 60.0)
        if end <= start or rate <= 0.0:
            return
        first, last = int(start // 60), int(end // 60)
        if first == last:
            self._edge[first] += round(rate * (end - start) * 1000.0)
            return
        self._edge[first] += round(rate * ((first + 1) * 60.0 - start) * 1000.0)
        if last < self.minutes:
            self._edge[last] += round(rate * (end - last * 60.0) * 1000.0)
        if last > first + 1:
            milli_rate = round(rate * 1000.0)
            self._full_diff[first + 1] += milli_rate
            self._full_diff[last] -= milli_rate

    def per_minute(self) -> list[int]:
        """The integral over each minute, in milli-units (rate x 1000 x seconds)."""
        totals, rate = [], 0
        for minute in range(self.minutes):
            rate += self._full_diff[minute]
            totals.append(self._edge[minute] + rate * 60)
        return totals
