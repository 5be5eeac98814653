"""The version-neutral schedule arithmetic: period lookup, stacking, recurrence, composites."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from fleet.station._schedule import (
    Period,
    Purpose,
    ScheduleProfile,
    Supply,
    composite,
    limit_w,
    next_change_s,
    offered_power_w,
    profile_limit_w,
)

SUPPLY = Supply(voltage_v=230.0, phases=3)


def _absolute(
    profile_id: int, purpose: Purpose, level: int, periods: list[tuple[float, float]], **fields: object
) -> ScheduleProfile:
    return ScheduleProfile(
        profile_id=profile_id,
        evse_id=int(fields.pop("evse_id", 0)),  # type: ignore[call-overload]
        purpose=purpose,
        stack_level=level,
        kind="Absolute",
        periods=tuple(Period(start, limit) for start, limit in periods),
        start=0.0,
        **fields,  # type: ignore[arg-type]
    )


def test_period_lookup_duration_and_unit_conversion() -> None:
    profile = ScheduleProfile(1, 1, "Tx", 0, "Relative", (Period(60, 10.0, 1), Period(0, 16.0)), unit="A",
                              duration_s=120.0)  # fmt: skip
    assert profile_limit_w(profile, None, 0.0, SUPPLY) is None  # relative: no transaction, no start
    assert profile_limit_w(profile, 100.0, 100.0, SUPPLY) == 16.0 * 230.0 * 3
    assert profile_limit_w(profile, 100.0, 160.0, SUPPLY) == 10.0 * 230.0  # one phase
    assert profile_limit_w(profile, 100.0, 220.0, SUPPLY) is None  # past its duration
    assert SUPPLY.in_unit(6_900.0, "A") == 10.0 and SUPPLY.in_unit(6_900.0, "W") == 6_900.0
    assert offered_power_w(11_000.0, None) == 11_000.0 and offered_power_w(11_000.0, 7_000.0) == 7_000.0


def test_stack_levels_evse_specific_profiles_and_the_station_maximum() -> None:
    profiles = [
        _absolute(1, "TxDefault", 0, [(0, 3_000.0)]),
        _absolute(2, "TxDefault", 5, [(0, 8_000.0)], valid_from=100.0),
        _absolute(3, "TxDefault", 0, [(0, 5_000.0)], evse_id=2),  # EVSE 2's own wins on EVSE 2
        _absolute(4, "StationMax", 0, [(0, 6_000.0)]),
    ]
    assert limit_w(profiles, 1, 0.0, 50.0, SUPPLY) == 3_000.0
    assert limit_w(profiles, 1, 0.0, 150.0, SUPPLY) == 6_000.0  # level 5 valid now, capped by max
    assert limit_w(profiles, 2, 0.0, 50.0, SUPPLY) == 5_000.0
    assert limit_w(profiles, 1, None, 50.0, SUPPLY) == 6_000.0  # no transaction: only the maximum
    assert limit_w(profiles, 0, 0.0, 50.0, SUPPLY) == 6_000.0
    tx = _absolute(5, "Tx", 0, [(0, 1_000.0)], evse_id=1)
    assert limit_w([*profiles, tx], 1, 0.0, 150.0, SUPPLY) == 1_000.0
    assert next_change_s(profiles, 0.0, 50.0, 1_000.0) == 50.0


def test_weekly_recurrence_and_change_points() -> None:
    week = 7 * 86_400.0
    profile = ScheduleProfile(1, 0, "TxDefault", 0, "Recurring", (Period(0, 1_000.0), Period(3_600, 2_000.0)),
                              recurrency="Weekly", start=0.0)  # fmt: skip
    assert limit_w([profile], 1, 0.0, week + 10.0, SUPPLY) == 1_000.0
    assert limit_w([profile], 1, 0.0, 2 * week + 4_000.0, SUPPLY) == 2_000.0
    assert next_change_s([profile], 0.0, 4_000.0, 2 * week) == week - 4_000.0
    assert composite([profile], 1, 0.0, 0.0, 7_200, SUPPLY) == [(0, 1_000.0), (3_600, 2_000.0)]


def test_a_change_between_whole_seconds_takes_the_lower_limit_for_that_second() -> None:
    profile = _absolute(1, "TxDefault", 0, [(0, 5_000.0), (10, 2_000.0), (20, 4_000.0)])
    merged = composite([profile], 1, 0.0, 0.5, 30, SUPPLY)  # changes at 9.5 s and 19.5 s from 0.5
    assert merged == [(0, 5_000.0), (9, 2_000.0), (20, 4_000.0)]


# --- the property: the composite never promises more than the profile in force allows ----------

_PURPOSES: tuple[Purpose, ...] = ("StationMax", "TxDefault", "Tx")

periods_strategy = st.lists(
    st.tuples(st.integers(0, 3_600), st.floats(0, 50_000, allow_nan=False)), min_size=1, max_size=5
).map(lambda items: [(0, items[0][1]), *sorted(dict(items[1:]).items())])

profile_strategy = st.builds(
    lambda index, purpose, level, periods, start, evse_id, duration: ScheduleProfile(
        profile_id=index,
        evse_id=0 if purpose == "StationMax" else evse_id,
        purpose=purpose,
        stack_level=level,
        kind="Absolute",
        periods=tuple(Period(float(s), limit) for s, limit in periods),
        start=start,
        duration_s=duration,
    ),
    st.integers(1, 1_000),
    st.sampled_from(_PURPOSES),
    st.integers(0, 3),
    periods_strategy,
    st.floats(-600, 600, allow_nan=False),
    st.integers(0, 1),
    st.one_of(st.none(), st.floats(1, 3_600, allow_nan=False)),
)


def _in_force(profiles: list[ScheduleProfile], purpose: Purpose, at: float) -> float | None:
    """Brute-force reference: the limit of the purpose's winner on EVSE 1 at ``at``."""
    ranked = [
        ((p.evse_id == 1, p.stack_level), limit)
        for p in profiles
        if p.purpose == purpose and (limit := profile_limit_w(p, 0.0, at, SUPPLY)) is not None
    ]
    return max(ranked, key=lambda item: item[0])[1] if ranked else None


@given(
    profiles=st.lists(profile_strategy, max_size=6),
    at=st.floats(0, 1_000, allow_nan=False),
    probes=st.lists(st.floats(0, 1, allow_nan=False, exclude_max=True), min_size=1, max_size=8),
)
def test_the_composite_never_exceeds_the_limit_of_any_profile_in_force(
    profiles: list[ScheduleProfile], at: float, probes: list[float]
) -> None:
    duration = 3_600
    merged = composite(profiles, 1, 0.0, at, duration, SUPPLY)
    assert merged and merged[0][0] == 0
    for probe in probes:
        offset = probe * duration
        value = next(limit for start, limit in reversed(merged) if start <= offset)
        tx = _in_force(profiles, "Tx", at + offset)
        applicable = [_in_force(profiles, "StationMax", at + offset), tx if tx is not None else
                      _in_force(profiles, "TxDefault", at + offset)]  # fmt: skip
        for limit in applicable:
            if limit is not None:
                assert value is not None and value <= limit + 1e-9
        if value is None:
            assert all(limit is None for limit in applicable)
        assert math.isfinite(value) if value is not None else True
