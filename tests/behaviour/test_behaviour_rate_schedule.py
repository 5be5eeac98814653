"""A rate schedule (`fleet run --stages ...x2`): the arrival rate times a multiplier that changes
over simulated time, integrated exactly by the profile's arrivals and the simple driver."""

from __future__ import annotations

import functools
import math
import random

import pytest
from _profile_support import HOUR, MONDAY

from fleet.behaviour import (
    ArrivalProcess,
    DriverSettings,
    RateSchedule,
    SimpleDriver,
    load_profile,
    resolve_profile,
)
from fleet.behaviour._profile_schema import Arrivals


@functools.cache
def _arrivals() -> Arrivals:
    arrivals = load_profile(resolve_profile("workplace")).arrivals
    assert arrivals is not None
    return arrivals


def _process(seed: int, schedule: RateSchedule | None) -> ArrivalProcess:
    return ArrivalProcess(_arrivals(), 0.0, MONDAY, random.Random(seed), schedule)


def _count(process: ArrivalProcess, start: float, end: float) -> int:
    count, at = 0, process.next_arrival(start)
    while at is not None and at < end:
        count += 1
        at = process.next_arrival(at)
    return count


def _expected(schedule: RateSchedule, start: float, end: float) -> float:
    """The integral of rate x multiplier over [start, end), minute by minute (both are constant
    within every minute here, so the sum is exact)."""
    plain = _process(0, None)
    total, t = 0.0, start
    while t < end:
        total += plain.rate_per_hour(t) / 60.0 * schedule.multiplier_at(t)
        t += 60.0
    return total


def test_the_schedule_keeps_only_real_changes() -> None:
    schedule = RateSchedule.of([(0.0, 1.0), (10.0, 2.0), (20.0, 2.0), (30.0, 0.5), (30.0, 2.0), (40.0, 3.0)])
    assert schedule.changes == ((10.0, 2.0), (40.0, 3.0))  # x1 at 0, x2 again, 0.5 overridden by x2 at 30
    assert not RateSchedule.of([(0.0, 1.0), (5.0, 1.0)])
    assert [schedule.multiplier_at(t) for t in (-1.0, 9.9, 10.0, 39.0, 40.0, 1e9)] == [1, 1, 2, 2, 3, 3]
    assert list(schedule.segments(15.0)) == [(40.0, 2.0), (math.inf, 3.0)]
    with pytest.raises(ValueError, match="> 0"):
        RateSchedule.of([(0.0, 0.0)])
    with pytest.raises(ValueError, match="time order"):
        RateSchedule.of([(5.0, 2.0), (1.0, 3.0)])


def test_advance_integrates_the_multiplier() -> None:
    schedule = RateSchedule.of([(10.0, 2.0), (20.0, 0.5)])
    assert schedule.advance(5.0, 5.0) == 10.0  # x1 up to the change
    assert schedule.advance(5.0, 10.0) == 12.5  # 5 by t=10, then 5 at x2
    assert schedule.advance(5.0, 30.0) == 30.0  # 5 + 20 by t=20, then 5 at x0.5
    assert RateSchedule().advance(7.0, 3.25) == 10.25


@pytest.mark.parametrize(
    ("steps", "start", "end", "processes"),
    [
        # changes inside hours and across the workplace morning peak (6:00 to 12:00)
        ([(7.25 * HOUR, 3.0), (9.5 * HOUR, 0.5), (10.75 * HOUR, 2.0)], 6 * HOUR, 12 * HOUR, 3000),
        # constant stretches longer than a week (the whole-week skip inside a stretch)
        ([(0.0, 0.2), (10 * 24 * HOUR, 3.0), (18 * 24 * HOUR, 0.7)], 0.0, 21 * 24 * HOUR, 150),
    ],
)
def test_expected_arrivals_are_the_integral_of_rate_times_multiplier(
    steps: list[tuple[float, float]], start: float, end: float, processes: int
) -> None:
    """Counts over many seeded EVSEs: a sum of Poisson counts with mean = the integral; within
    4 standard deviations (sqrt of the mean)."""
    schedule = RateSchedule.of(steps)
    expected = _expected(schedule, start, end) * processes
    counted = sum(_count(_process(seed, schedule), start, end) for seed in range(processes))
    assert expected > 400
    assert abs(counted - expected) <= 4 * math.sqrt(expected), (counted, expected)


def test_an_all_x1_schedule_draws_what_no_schedule_draws() -> None:
    """Same seed, identical times: with only x1 stages, and after the last change point."""
    for schedule in (
        RateSchedule.of([(0.0, 1.0), (5 * HOUR, 1.0)]),
        RateSchedule.of([(HOUR, 2.0), (2 * HOUR, 1.0)]),
    ):
        plain, scheduled = _process(3, None), _process(3, schedule)
        at = plain_at = 2 * HOUR
        for _ in range(300):
            plain_at, at = plain.next_arrival(plain_at), scheduled.next_arrival(at)  # type: ignore[assignment]
            assert at == plain_at


def test_the_simple_driver_waits_less_at_a_higher_multiplier() -> None:
    settings = DriverSettings(mean_idle_s=1000.0)
    plain = [SimpleDriver(1, random.Random(seed), settings, 50.0).next_deadline() for seed in range(2000)]
    same = [
        SimpleDriver(1, random.Random(seed), settings, 50.0, RateSchedule.of([(0.0, 1.0)])).next_deadline()
        for seed in range(2000)
    ]
    assert same == plain
    x4 = RateSchedule.of([(0.0, 4.0)])
    busier = [
        SimpleDriver(1, random.Random(seed), settings, 50.0, x4).next_deadline() for seed in range(2000)
    ]
    waits = [at - 50.0 for at in busier if at is not None]
    # exponential, mean 250 s: the mean of 2000 draws has sd 250 / sqrt(2000) = 5.6 s
    assert abs(sum(waits) / len(waits) - 250.0) < 25.0
