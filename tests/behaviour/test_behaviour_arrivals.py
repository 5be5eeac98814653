"""Arrivals follow their rate curve by local hour of the week; depot returns cluster round at_h."""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter

from _profile_support import HOUR, MONDAY, WEEK, chi2_quantile, flat_day, poisson_interval

from fleet.behaviour._arrivals import (
    ArrivalProcess,
    ArrivalSource,
    CombinedArrivals,
    ScheduledReturns,
    weekday_of,
)
from fleet.behaviour._profile_schema import Arrivals, ScheduledReturn

WEEKS = 20
# a curve with zero, low and high hours, different on each kind of day
WEEKDAY = [0.0] * 6 + [
    1.0,
    4.0,
    6.0,
    3.0,
    1.5,
    1.0,
    2.0,
    1.0,
    1.0,
    1.5,
    2.5,
    3.0,
    2.0,
    1.0,
    0.5,
    0.2,
    0.0,
    0.0,
]
SATURDAY = [0.0] * 8 + [0.5] * 12 + [0.0] * 4
SUNDAY = [0.1] * 24
CURVE = Arrivals(weekday=WEEKDAY, saturday=SATURDAY, sunday=SUNDAY)


def _arrivals(process: ArrivalSource, start: float, until: float) -> list[float]:
    times: list[float] = []
    at = start
    while True:
        following = process.next_arrival(at)
        if following is None or following >= until:
            return times
        assert following > at  # strictly later, never the same instant twice
        times.append(following)
        at = following


def _rate(hour_of_week: int) -> float:
    day, hour = divmod(hour_of_week, 24)
    return (WEEKDAY if day < 5 else SATURDAY if day == 5 else SUNDAY)[hour]


def _counts_by_hour_of_week(process: ArrivalProcess, times: list[float]) -> Counter[int]:
    return Counter(process.hour_of_week(t) for t in times)


def test_counts_per_hour_of_week_stay_within_poisson_bounds_and_pass_chi_square() -> None:
    # epoch on a Monday 00:00 UTC: now = 0 is hour-of-week 0
    process = ArrivalProcess(CURVE, 0.0, MONDAY, random.Random(20260105))
    times = _arrivals(process, 0.0, WEEKS * WEEK)
    counts = _counts_by_hour_of_week(process, times)
    buckets = [h for h in range(168) if _rate(h) > 0]
    # Bonferroni: every one of the buckets inside its interval with probability >= 99.9 %
    alpha = 0.001 / len(buckets)
    outside = []
    for h in buckets:
        low, high = poisson_interval(_rate(h) * WEEKS, alpha)
        if not low <= counts[h] <= high:
            outside.append((h, counts[h], low, high))
    assert outside == []
    assert all(counts[h] == 0 for h in range(168) if _rate(h) == 0)  # never outside the curve
    chi2 = sum((counts[h] - _rate(h) * WEEKS) ** 2 / (_rate(h) * WEEKS) for h in buckets)
    assert chi2 < chi2_quantile(len(buckets), 0.999), chi2
    assert abs(len(times) - process.expected_per_week * WEEKS) < 4 * math.sqrt(
        process.expected_per_week * WEEKS
    )


def test_workplace_curve_has_a_weekday_morning_peak_and_quiet_weekends() -> None:
    morning = [0.0] * 7 + [0.6, 0.8, 0.4] + [0.05] * 14
    quiet = [0.02] * 24
    workplace = Arrivals(weekday=morning, saturday=quiet, sunday=quiet)
    process = ArrivalProcess(workplace, 0.0, MONDAY, random.Random(7))
    weeks = 8
    times = _arrivals(process, 0.0, weeks * WEEK)
    weekday = sum(1 for t in times if weekday_of(MONDAY + t) < 5)
    weekend = len(times) - weekday
    expected_weekday = 5 * weeks * sum(morning)
    expected_weekend = 2 * weeks * sum(quiet)
    weekday_low, weekday_high = poisson_interval(expected_weekday, 0.001)
    weekend_low, weekend_high = poisson_interval(expected_weekend, 0.001)
    assert weekday_low <= weekday <= weekday_high
    assert weekend_low <= weekend <= weekend_high
    # per day, weekdays are busier than weekends beyond both intervals
    assert weekday_low / 5 > weekend_high / 2
    # the weekday peak sits in 07:00-10:00
    hours = Counter(math.floor((t % 86_400) / HOUR) for t in times if weekday_of(MONDAY + t) < 5)
    assert hours.most_common(1)[0][0] in (7, 8, 9)


def test_curves_are_read_in_local_time() -> None:
    only_eight = [0.0] * 8 + [5.0] + [0.0] * 15
    curve = Arrivals(weekday=only_eight, saturday=only_eight, sunday=only_eight)
    process = ArrivalProcess(curve, 2.0, MONDAY, random.Random(3))  # UTC+2
    times = _arrivals(process, 0.0, 2 * WEEK)
    assert len(times) > 30
    assert {math.floor((t % 86_400) / HOUR) for t in times} == {6}  # 08:00 local is 06:00 UTC


def test_all_zero_curves_never_arrive_and_arrivals_are_strictly_later() -> None:
    silent = ArrivalProcess(
        Arrivals(weekday=flat_day(0), saturday=flat_day(0), sunday=flat_day(0)), 0, 0, random.Random(1)
    )
    assert silent.next_arrival(123.0) is None
    sparse = ArrivalProcess(
        Arrivals(weekday=flat_day(0), saturday=flat_day(0), sunday=[0.0] * 23 + [0.001]),
        0,
        0,
        random.Random(2),
    )
    at = sparse.next_arrival(0.0)  # one arrival per 1000 weeks on average: whole weeks skipped
    assert at is not None and at > 0.0
    assert math.floor((at % 86_400) / HOUR) == 23 and weekday_of(at) == 6


def test_same_seed_same_arrivals() -> None:
    first = _arrivals(ArrivalProcess(CURVE, 1.0, MONDAY, random.Random(5)), 0.0, WEEK)
    again = _arrivals(ArrivalProcess(CURVE, 1.0, MONDAY, random.Random(5)), 0.0, WEEK)
    other = _arrivals(ArrivalProcess(CURVE, 1.0, MONDAY, random.Random(6)), 0.0, WEEK)
    assert first == again != other


def test_depot_returns_cluster_around_at_h_on_the_listed_days() -> None:
    weeks = 30
    evening = ScheduledReturn(at_h=18.5, spread_min=30.0, days=["mon", "tue", "wed", "thu", "fri"])
    returns = ScheduledReturns([evening], 0.0, MONDAY, random.Random(11))
    times = _arrivals(returns, 0.0, weeks * WEEK)
    assert len(times) == 5 * weeks  # share 1: one return every listed day
    assert all(weekday_of(MONDAY + t) < 5 for t in times)
    minutes = [(t % 86_400) / 60.0 - 18.5 * 60 for t in times]
    n = len(minutes)
    # the mean is within 3.3 standard errors (99.9 %) of at_h; the spread near 30 minutes
    assert abs(statistics.fmean(minutes)) < 3.3 * 30.0 / math.sqrt(n)
    assert 22.0 < statistics.stdev(minutes) < 38.0  # chi-square 99.9 % band for n = 150


def test_depot_share_is_a_daily_probability_and_combined_sources_lose_no_return() -> None:
    weeks = 40
    half = ScheduledReturn(at_h=6.0, spread_min=10.0, days=["sat"], share=0.5)
    returns = ScheduledReturns([half], 0.0, MONDAY, random.Random(12))
    count = len(_arrivals(returns, 0.0, weeks * WEEK))
    # Binomial(40, 0.5): 99.9 % interval is 9..31 (|k - 20| <= 3.3 * sqrt(10))
    assert 9 <= count <= 31
    rare = ArrivalProcess(
        Arrivals(weekday=flat_day(0.01), saturday=flat_day(0.01), sunday=flat_day(0.01)),
        0.0,
        MONDAY,
        random.Random(13),
    )
    daily = ScheduledReturns(
        [ScheduledReturn(at_h=12.0, spread_min=0.0, days=["sun"])], 0.0, MONDAY, random.Random(14)
    )
    combined = _arrivals(CombinedArrivals([rare, daily]), 0.0, 10 * WEEK)
    sundays_noon = [t for t in combined if weekday_of(MONDAY + t) == 6 and (t % 86_400) == 12 * HOUR]
    assert len(sundays_noon) == 10
