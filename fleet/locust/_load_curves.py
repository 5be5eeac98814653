"""Load shapes as plain functions of the run time: how many stations should be online at ``t``.

Kept apart from Locust's ``LoadTestShape`` classes (which need gevent) so they can be tested
directly. Each returns the target user count, or None once the shape is over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fleet.behaviour import Profile
from fleet.locust._options import FleetOptionError

DEFAULT_STEP_S = 60.0  # step length of the steps shape when the run has no --run-time


def ramp(t: float, peak: int, ramp_s: float, run_s: float | None) -> int | None:
    """Linear from 0 to ``peak`` over ``ramp_s`` seconds, then hold until ``run_s``."""
    if run_s is not None and t >= run_s:
        return None
    return min(peak, math.ceil(peak * t / ramp_s)) if ramp_s > 0 else peak


def steps(t: float, peak: int, count: int, run_s: float | None) -> int | None:
    """``count`` equal steps up to ``peak``: over ``run_s`` if given, else one per minute, then hold."""
    if run_s is not None and t >= run_s:
        return None
    step_s = run_s / count if run_s is not None else DEFAULT_STEP_S
    step = min(count, int(t // step_s) + 1)
    return math.ceil(peak * step / count)


def rush_hour(t: float, peak: int, curve: Sequence[float], speed: float, run_s: float | None) -> int | None:
    """The day of an hourly arrival ``curve`` (24 values, from midnight) in simulated time at
    ``speed``: stations online in proportion to the hour's arrivals, ``peak`` at the busiest hour.
    Ends after one simulated day (or ``run_s``, if sooner)."""
    simulated_h = t * speed / 3600.0
    if simulated_h >= len(curve) or (run_s is not None and t >= run_s):
        return None
    busiest = max(curve)
    return round(peak * curve[int(simulated_h)] / busiest) if busiest > 0 else 0


def arrival_curve(profile: Profile | None) -> list[float]:
    """The weekday arrival curve the rush-hour shape follows; a clear error when there is none."""
    if profile is None:
        raise FleetOptionError(
            "--fleet-shape rush-hour follows a profile's arrival curve: give --fleet-profile (e.g. workplace)"
        )
    if profile.arrivals is None or max(profile.arrivals.weekday) <= 0:
        raise FleetOptionError(
            f"--fleet-shape rush-hour: profile {profile.name!r} has no weekday arrival curve "
            "(only scheduled returns?); use --fleet-shape ramp or steps, or a profile with [arrivals]"
        )
    return list(profile.arrivals.weekday)
