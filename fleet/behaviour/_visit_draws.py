"""What a driver's visit depends on besides the draws themselves: the arrival hour's dwell factor
and the arrival SoC a trip leaves behind."""

from __future__ import annotations

import math

from fleet.behaviour._arrivals import DAY_S, HOUR_S, weekday_of
from fleet.behaviour._ev_catalogue import MIN_SOC_GAIN_PERCENT
from fleet.behaviour._profile_schema import Profile

_SATURDAY = 5


def local_hour(profile: Profile, utc_s: float) -> tuple[int, bool]:
    """(local clock hour 0-23, weekend?) of the UTC time ``utc_s`` in the profile's time zone."""
    local = utc_s + profile.utc_offset_h * HOUR_S
    return math.floor((local % DAY_S) / HOUR_S), weekday_of(local) >= _SATURDAY


def dwell_factor(profile: Profile, utc_s: float) -> float:
    """The profile's dwell factor for a driver arriving at ``utc_s`` (1 without a table)."""
    table = profile.dwell_by_arrival_hour
    if table is None:
        return 1.0
    hour, weekend = local_hour(profile, utc_s)
    return table.factor(hour, weekend)


def arrival_soc_after_trip(
    floor_percent: float, target_percent: float, trip_kwh: float, battery_kwh: float
) -> float:
    """The SoC a driver arrives with after using ``trip_kwh`` since charging to the target, but not
    below ``floor_percent`` (drivers do not run their battery flat: they charge elsewhere first),
    and at least ``MIN_SOC_GAIN_PERCENT`` below the target (they plug in to gain something)."""
    after_trip = target_percent - 100.0 * max(0.0, trip_kwh) / battery_kwh
    return min(max(floor_percent, after_trip), max(0.0, target_percent - MIN_SOC_GAIN_PERCENT))
