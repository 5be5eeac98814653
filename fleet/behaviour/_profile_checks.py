"""Checks across fields that the typed schema cannot express (shares summing to 1, curve shape, ...).

Each check returns problems in the same shape as a decoding error, so a user sees one kind of
message whatever is wrong. All problems are collected, not just the first, so that a
``fleet profiles check`` run can list them; the loader reports the first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fleet.behaviour._calibration_checks import calibration_problems
from fleet.behaviour._profile_problem import MISSING, ProfileProblem, show_value
from fleet.behaviour._profile_schema import (
    Distribution,
    EvModel,
    Fixed,
    Normal,
    Profile,
    StationType,
    Uniform,
)

SHARE_TOLERANCE = 0.001
# OCPP 2.0.1 ChargingStationType: vendorName is CiString50, model CiString20, firmwareVersion CiString50.
_BOOT_LIMITS = {"vendor": 50, "model": 20, "firmware": 50}


def check_profile(profile: Profile) -> list[ProfileProblem]:
    return [
        *_check_shares("station_types", profile.station_types),
        *_check_shares("ev_models", profile.ev_models),
        *_check_unique_names("station_types", profile.station_types),
        *_check_unique_names("ev_models", profile.ev_models),
        *_check_station_types(profile),
        *(p for i, ev in enumerate(profile.ev_models) for p in _check_ev_model(f"ev_models[{i}]", ev)),
        *_check_arrival_source(profile),
        *_check_distributions(profile),
        *_check_authorization(profile),
        *calibration_problems(profile.calibration),
    ]


def _check_shares(name: str, items: Sequence[StationType | EvModel]) -> Iterator[ProfileProblem]:
    total = sum(item.share for item in items)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        terms = " + ".join(f"{item.share:g}" for item in items)
        yield ProfileProblem(
            f"{name}[*].share",
            f"shares that sum to 1 (±{SHARE_TOLERANCE:g}); adjust them",
            f"{total:g} = {terms}",
        )


def _check_unique_names(name: str, items: Sequence[StationType | EvModel]) -> Iterator[ProfileProblem]:
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.name in first_index:
            yield ProfileProblem(
                f"{name}[{index}].name",
                f"a name not already used by {name}[{first_index[item.name]}]",
                show_value(item.name),
            )
        first_index.setdefault(item.name, index)


def _check_station_types(profile: Profile) -> Iterator[ProfileProblem]:
    dc_capable = any(ev.max_dc_kw > 0 for ev in profile.ev_models)
    for index, station_type in enumerate(profile.station_types):
        where = f"station_types[{index}]"
        if station_type.current == "DC" and not dc_capable:
            yield ProfileProblem(
                f"{where}.current",
                "an EV model with max_dc_kw > 0 in ev_models, or no DC station type (no EV could charge)",
                '"DC"',
            )
        for field, limit in _BOOT_LIMITS.items():
            value: str = getattr(station_type, field)
            if len(value) > limit:
                yield ProfileProblem(
                    f"{where}.{field}",
                    f"at most {limit} characters (sent in the OCPP BootNotification)",
                    f"{show_value(value)} ({len(value)} characters)",
                )


def _check_ev_model(where: str, ev: EvModel) -> Iterator[ProfileProblem]:
    curve = ev.dc_curve
    if ev.max_dc_kw == 0:
        if curve:
            yield ProfileProblem(
                f"{where}.dc_curve",
                "no dc_curve when max_dc_kw is 0 (no DC inlet); set max_dc_kw or remove the curve",
                show_value(curve),
            )
        return
    if len(curve) < 2:
        yield ProfileProblem(
            f"{where}.dc_curve",
            "at least 2 points [soc_percent, kw] from 0 to 100 % SoC, since max_dc_kw > 0",
            show_value(curve) if curve else MISSING,
        )
        return
    if curve[0][0] != 0:
        yield ProfileProblem(f"{where}.dc_curve[0]", "a first point at 0 % SoC", show_value(curve[0]))
    if curve[-1][0] != 100:
        yield ProfileProblem(
            f"{where}.dc_curve[{len(curve) - 1}]", "a last point at 100 % SoC", show_value(curve[-1])
        )
    for index in range(1, len(curve)):
        if curve[index][0] <= curve[index - 1][0]:
            yield ProfileProblem(
                f"{where}.dc_curve[{index}]",
                f"a SoC above the previous point's {curve[index - 1][0]:g} (points ascending in SoC)",
                show_value(curve[index]),
            )
    for index, (_, kw) in enumerate(curve):
        if kw > ev.max_dc_kw:
            yield ProfileProblem(
                f"{where}.dc_curve[{index}]",
                f"a power at most max_dc_kw = {ev.max_dc_kw:g} kW",
                show_value(curve[index]),
            )


def _check_arrival_source(profile: Profile) -> Iterator[ProfileProblem]:
    # Both together are allowed: a depot with planned returns may also see walk-in drivers; the
    # driver takes whichever of the two comes first (fleet.behaviour._arrivals.CombinedArrivals).
    if profile.arrivals is None and not profile.scheduled_returns:
        yield ProfileProblem("arrivals", "an [arrivals] table or at least one [[scheduled_returns]]", MISSING)
    if profile.arrivals is not None:
        curves = [profile.arrivals.weekday, profile.arrivals.saturday, profile.arrivals.sunday]
        if not any(rate > 0 for curve in curves for rate in curve):
            yield ProfileProblem("arrivals", "at least one hour with a rate above 0", "all rates 0")
    for index, scheduled in enumerate(profile.scheduled_returns):
        if not scheduled.days:
            yield ProfileProblem(f"scheduled_returns[{index}].days", 'at least one day, e.g. ["mon"]', "[]")


def _check_distributions(profile: Profile) -> Iterator[ProfileProblem]:
    durations = {
        "dwell_h": profile.dwell_h,
        "faults.outage_duration_s": profile.faults.outage_duration_s,
        "faults.connector_fault_duration_s": profile.faults.connector_fault_duration_s,
        **({"trip_kwh": profile.trip_kwh} if profile.trip_kwh is not None else {}),
        **(
            {"dc_departure_margin_min": profile.dc_departure_margin_min}
            if profile.dc_departure_margin_min is not None
            else {}
        ),
    }
    socs = {
        "arrival_soc_percent": profile.arrival_soc_percent,
        "target_soc_percent": profile.target_soc_percent,
    }
    for field, distribution in {**durations, **socs}.items():
        yield from _check_bounds(field, distribution)
    for field, distribution in durations.items():
        low, _ = _range(distribution)
        if low is None or low < 0:
            yield ProfileProblem(
                f"{field}.min",
                "a min >= 0: a duration cannot be negative, and this distribution can draw below 0",
                MISSING if low is None else show_value(low),
            )
    for field, distribution in socs.items():
        low, high = _range(distribution)
        if low is None or low < 0 or high is None or high > 100:
            yield ProfileProblem(
                field,
                "values within 0..100 % (set min and max on an unbounded distribution)",
                f"range {'-inf' if low is None else f'{low:g}'}..{'inf' if high is None else f'{high:g}'}",
            )


def _check_bounds(field: str, distribution: Distribution) -> Iterator[ProfileProblem]:
    if distribution.min is not None and distribution.max is not None and distribution.min > distribution.max:
        yield ProfileProblem(
            f"{field}.max", f"a max >= min ({distribution.min:g})", show_value(distribution.max)
        )
    if isinstance(distribution, Uniform) and distribution.low > distribution.high:
        yield ProfileProblem(
            f"{field}.high", f"a high >= low ({distribution.low:g})", show_value(distribution.high)
        )


def _range(distribution: Distribution) -> tuple[float | None, float | None]:
    """The smallest and largest value a draw can take (None: unbounded)."""
    if isinstance(distribution, Fixed):
        low: float | None = distribution.value
        high: float | None = distribution.value
    elif isinstance(distribution, Uniform):
        low, high = distribution.low, distribution.high
    elif isinstance(distribution, Normal):
        low, high = (distribution.mean, distribution.mean) if distribution.sd == 0 else (None, None)
    else:  # lognormal and exponential are positive, unbounded above
        low, high = 0.0, None
    if distribution.min is not None:
        low = distribution.min if low is None else max(low, distribution.min)
    if distribution.max is not None:
        high = distribution.max if high is None else min(high, distribution.max)
    return low, high


def _check_authorization(profile: Profile) -> Iterator[ProfileProblem]:
    auth = profile.authorization
    if auth.rfid + auth.pin + auth.start_button + auth.app <= 0:
        yield ProfileProblem(
            "authorization",
            "at least one of rfid, pin, start_button, app above 0 (they are weights)",
            "all 0",
        )
