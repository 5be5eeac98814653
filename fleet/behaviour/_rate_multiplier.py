"""Busier stations (`fleet run --rate-multiplier X`): the profile's arrival rate times X.

Every hour of the rate curve is multiplied, so the day keeps its shape (rush hour x2 is the same
curve, twice as high). A depot's scheduled returns (one vehicle a day) are not arrivals on a rate
and stay as they are.
"""

from __future__ import annotations

import math

import msgspec

from fleet.behaviour._profile_schema import Arrivals, Profile


def with_rate_multiplier(profile: Profile, multiplier: float) -> Profile:
    """``profile`` with its arrival rate curve times ``multiplier`` (> 0, finite)."""
    if not (0 < multiplier < math.inf):
        raise ValueError(f"rate multiplier: expected a finite number greater than 0, got {multiplier}")
    arrivals = profile.arrivals
    if arrivals is None or multiplier == 1:
        return profile
    return msgspec.structs.replace(profile, arrivals=_scaled(arrivals, multiplier))


def _scaled(arrivals: Arrivals, multiplier: float) -> Arrivals:
    friday = arrivals.friday
    return Arrivals(
        weekday=[rate * multiplier for rate in arrivals.weekday],
        saturday=[rate * multiplier for rate in arrivals.saturday],
        sunday=[rate * multiplier for rate in arrivals.sunday],
        friday=None if friday is None else [rate * multiplier for rate in friday],
    )
