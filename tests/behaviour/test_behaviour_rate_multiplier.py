"""`--rate-multiplier X`: the profile's arrivals times X, the daily shape kept (seeded counts)."""

from __future__ import annotations

import random

import pytest
from _profile_support import HOUR, MONDAY

from fleet.behaviour import arrival_source, load_profile, resolve_profile, with_rate_multiplier
from fleet.behaviour._arrivals import ArrivalProcess

_EVSES = 400


def _arrivals_in_hour(multiplier: float, start: float) -> int:
    """Drivers arriving at ``_EVSES`` seeded EVSEs of the workplace profile within one hour."""
    profile = with_rate_multiplier(load_profile(resolve_profile("workplace")), multiplier)
    count = 0
    for evse in range(_EVSES):
        source = arrival_source(profile, MONDAY, random.Random(evse))
        assert source is not None
        at = source.next_arrival(start)
        while at is not None and at < start + HOUR:
            count += 1
            at = source.next_arrival(at)
    return count


def test_x2_doubles_the_arrivals_of_a_simulated_hour() -> None:
    peak = MONDAY + 8 * HOUR  # a weekday morning: the workplace profile's busiest hour
    once, twice = _arrivals_in_hour(1, peak), _arrivals_in_hour(2, peak)
    assert once > 100
    assert 1.7 < twice / once < 2.3  # Poisson counts of a few hundred: well within this


def test_the_curve_keeps_its_shape() -> None:
    profile = load_profile(resolve_profile("workplace"))
    busier = with_rate_multiplier(profile, 4)
    plain = ArrivalProcess(profile.arrivals, 0.0, MONDAY, random.Random(1))  # type: ignore[arg-type]
    x4 = ArrivalProcess(busier.arrivals, 0.0, MONDAY, random.Random(1))  # type: ignore[arg-type]
    for hour in range(7 * 24):
        at = MONDAY + hour * HOUR
        assert x4.rate_per_hour(at) == pytest.approx(4 * plain.rate_per_hour(at))


def test_x1_is_the_profile_itself_and_a_bad_multiplier_is_refused() -> None:
    profile = load_profile(resolve_profile("workplace"))
    assert with_rate_multiplier(profile, 1) is profile
    with pytest.raises(ValueError, match="rate multiplier"):
        with_rate_multiplier(profile, 0)
