"""When drivers arrive at one EVSE: a Poisson process whose rate follows the hour of the week, and
the scheduled returns of a fleet depot.

Times are the station's monotonic ``now`` (seconds); the local wall clock is
``epoch + now + utc_offset_h * 3600``, so the curves are read in the site's local time.
"""

from __future__ import annotations

import bisect
import math
import random
from typing import Protocol

from fleet.behaviour._profile_schema import Arrivals, ScheduledReturn
from fleet.behaviour._rate_schedule import RateSchedule

HOUR_S = 3600.0
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
# 1970-01-01 (Unix day 0) was a Thursday: Monday-based weekday of day n is (n + 3) % 7
_UNIX_DAY0_WEEKDAY = 3
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# a depot return is clipped to +-12 h of its planned time, so returns of different days cannot
# overtake each other by more than a day (see ScheduledReturns.next_arrival)
_MAX_RETURN_SHIFT_S = 12 * HOUR_S
# give up looking for a scheduled return after this many days without one
_MAX_EMPTY_DAYS = 8 * 7


class ArrivalSource(Protocol):
    def next_arrival(self, after: float) -> float | None: ...


def weekday_of(local_s: float) -> int:
    """Monday = 0 ... Sunday = 6 for a local time given as seconds since the Unix epoch."""
    return (math.floor(local_s / DAY_S) + _UNIX_DAY0_WEEKDAY) % 7


class ArrivalProcess:
    """A non-homogeneous Poisson process, piecewise constant per local hour of the week, times the
    run's rate schedule (``fleet run --stages ...x2``; None: times 1).

    ``next_arrival`` is exact: one Exp(1) draw per arrival, inverted through the integrated rate
    piece by piece, each piece ending at an hour's end or a change of the schedule. Within one
    constant stretch of the schedule whole weeks are skipped at once, so the loop is bounded by
    170 hours per change point after ``after``.
    """

    def __init__(
        self,
        arrivals: Arrivals,
        utc_offset_h: float,
        epoch: float,
        rng: random.Random,
        schedule: RateSchedule | None = None,
    ) -> None:
        friday = arrivals.friday if arrivals.friday is not None else arrivals.weekday
        days = [arrivals.weekday] * 4 + [friday, arrivals.saturday, arrivals.sunday]
        # arrivals per second for hour-of-week 0 (Monday 00:00 local) ... 167
        self._rate_s = [rate / HOUR_S for day in days for rate in day]
        self._week_integral = sum(self._rate_s) * HOUR_S  # expected arrivals per week
        self._offset_s = epoch + utc_offset_h * HOUR_S
        self._rng = rng
        self._schedule = schedule if schedule else None  # one without changes is x1 throughout

    def local_time(self, now: float) -> float:
        return self._offset_s + now

    def hour_of_week(self, now: float) -> int:
        local = self.local_time(now)
        return weekday_of(local) * 24 + math.floor((local % DAY_S) / HOUR_S)

    def rate_per_hour(self, now: float) -> float:
        """The profile's rate at ``now`` (without the rate schedule)."""
        return self._rate_s[self.hour_of_week(now)] * HOUR_S

    @property
    def expected_per_week(self) -> float:
        return self._week_integral

    def next_arrival(self, after: float) -> float | None:
        """The first arrival strictly after ``after``, or None when the curves are all zero."""
        if self._week_integral <= 0.0:
            return None
        budget = self._rng.expovariate(1.0)
        if self._schedule is None:
            return self._spend(after, math.inf, budget)[0]
        start = after
        for end, multiplier in self._schedule.segments(after):
            # at the curve's rate times ``multiplier``, ``budget`` lasts as ``budget / multiplier``
            # does at the curve's own rate
            arrival, left = self._spend(start, end, budget / multiplier)
            if arrival is not None:
                return arrival
            budget, start = left * multiplier, end
        raise AssertionError("the last segment is endless")  # pragma: no cover

    def _spend(self, start: float, end: float, budget: float) -> tuple[float | None, float]:
        """Spend ``budget`` (the curve's integrated rate) from ``start`` to at most ``end``: (the
        arrival, 0) when it runs out by ``end``, else (None, what is left)."""
        # any one-week window integrates to the same total: skip whole weeks in one step
        weeks = math.floor(budget / self._week_integral)
        if end < math.inf:
            weeks = min(weeks, math.floor((end - start) / WEEK_S))
        budget -= weeks * self._week_integral
        origin = self.local_time(start)
        local, local_end = origin + weeks * WEEK_S, origin + (end - start)
        for _ in range(7 * 24 + 2):
            hour_end = (math.floor(local / HOUR_S) + 1) * HOUR_S
            if hour_end > local_end:
                hour_end = local_end
            rate = self._rate_s[weekday_of(local) * 24 + math.floor((local % DAY_S) / HOUR_S)]
            capacity = rate * (hour_end - local)
            if rate > 0.0 and budget <= capacity:
                return start + (local + budget / rate - origin), 0.0
            budget -= capacity
            local = hour_end
            if local >= local_end:
                return None, budget
        # only float rounding at the last hour of the week can get here: arrive at that boundary
        return start + (local - origin), 0.0


class ScheduledReturns:
    """Depot vehicles: on each matching local day, with probability ``share``, a vehicle returns at
    ``Normal(at_h, spread_min)`` (clipped to +-12 h). Draws are made day by day in order, so the
    sequence depends only on the seed, not on when it is asked."""

    def __init__(
        self, returns: list[ScheduledReturn], utc_offset_h: float, epoch: float, rng: random.Random
    ) -> None:
        self._returns = list(returns)
        self._offset_s = epoch + utc_offset_h * HOUR_S
        self._rng = rng
        self._pending: list[float] = []  # drawn return times (monotonic now), sorted
        self._next_day: int | None = None  # the next local day (Unix day number) to draw

    def next_arrival(self, after: float) -> float | None:
        if not self._returns:
            return None
        local_after = self._offset_s + after
        if self._next_day is None:
            self._next_day = math.floor(local_after / DAY_S)
        empty_days = 0
        while empty_days <= _MAX_EMPTY_DAYS:
            # drop returns at or before ``after``: that vehicle was already here
            del self._pending[: bisect.bisect_right(self._pending, after)]
            # every later draw is at least (start of next undrawn day) - 12 h; anything before that
            # is final
            horizon = self._next_day * DAY_S - _MAX_RETURN_SHIFT_S - self._offset_s
            if self._pending and self._pending[0] <= horizon:
                # kept until ``after`` passes it, so a source combined with others loses nothing
                return self._pending[0]
            if not self._draw_day(self._next_day):
                empty_days += 1
            self._next_day += 1
        return None

    def _draw_day(self, day: int) -> bool:
        name = _DAY_NAMES[(day + _UNIX_DAY0_WEEKDAY) % 7]
        drawn = False
        for scheduled in self._returns:
            if name not in scheduled.days or self._rng.random() >= scheduled.share:
                continue
            shift = self._rng.gauss(0.0, scheduled.spread_min * 60.0)
            shift = max(-_MAX_RETURN_SHIFT_S, min(_MAX_RETURN_SHIFT_S, shift))
            local = day * DAY_S + scheduled.at_h * HOUR_S + shift
            bisect.insort(self._pending, local - self._offset_s)
            drawn = True
        return drawn


class CombinedArrivals:
    """The earliest of several sources (a depot may have both random and scheduled arrivals).
    A Poisson source re-drawn later is still Poisson (memoryless), so discarding the later
    candidate is sound; a scheduled return stays pending until ``after`` passes it."""

    def __init__(self, sources: list[ArrivalSource]) -> None:
        self._sources = sources

    def next_arrival(self, after: float) -> float | None:
        candidates = [t for source in self._sources if (t := source.next_arrival(after)) is not None]
        return min(candidates, default=None)
