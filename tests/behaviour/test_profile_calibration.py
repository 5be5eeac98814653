"""Each bundled profile, run through `fleet simulate`'s session model for a week, meets the
published figures its own file cites in ``[calibration]`` (arrival peak, dwell overall and by
arrival hour, energy per session, idle share), within the tolerances stated there: the numbers
live in the profile, this test only measures."""

from __future__ import annotations

import pytest
from _calibration_measure import Measured, hours_apart, measure, sessions_of

from fleet.behaviour import Profile, load_profile, resolve_profile
from fleet.behaviour._profile_calibration import CalibrationFigure

# stations per profile: enough sessions per arrival hour for a stable median, fast enough for CI
_STATIONS = {"residential": 1000, "workplace": 300, "urban_public": 300, "highway_dc": 40, "fleet_depot": 300}


@pytest.fixture(scope="module", params=sorted(_STATIONS))
def calibrated(request: pytest.FixtureRequest) -> tuple[Profile, Measured]:
    name: str = request.param
    profile = load_profile(resolve_profile(name))
    return profile, measure(sessions_of(profile, _STATIONS[name], days=7.0, seed=21))


def _within(name: str, measured: float, figure: CalibrationFigure, *, clock: bool = False) -> str | None:
    off = hours_apart(measured, figure.value) if clock else abs(measured - figure.value)
    if off <= figure.tolerance:
        return None
    return (
        f"{name}: measured {measured:.3g}, cited {figure.value:g} +- {figure.tolerance:g} ({figure.source})"
    )


def _problems(profile: Profile, got: Measured) -> list[str]:
    cal = profile.calibration
    found: list[str | None] = []
    # a peak hour is measured as an hour bin: compare its middle with the cited clock time
    peaks = [
        ("weekday arrival peak", got.weekday_arrival_peak_h, cal.weekday_arrival_peak_h),
        ("weekend arrival peak", got.weekend_arrival_peak_h, cal.weekend_arrival_peak_h),
    ]
    for name, hour, cited in peaks:
        if hour is not None and cited is not None:
            found.append(_within(name, hour + 0.5, cited, clock=True))
    if cal.weekend_arrival_mean_shift_h is not None and got.weekend_arrival_mean_shift_h is not None:
        found.append(
            _within("weekend mean shift", got.weekend_arrival_mean_shift_h, cal.weekend_arrival_mean_shift_h)
        )
    pairs = [
        ("dwell median h", got.dwell_h_median, cal.dwell_h_median),
        ("dwell mean h", got.dwell_h_mean, cal.dwell_h_mean),
        ("energy median kWh", got.energy_kwh_median, cal.energy_kwh_median),
        ("energy mean kWh", got.energy_kwh_mean, cal.energy_kwh_mean),
        ("idle share", got.idle_share, cal.idle_share),
    ]
    found.extend(_within(name, value, figure) for name, value, figure in pairs if figure is not None)
    for hourly in cal.dwell_h_by_arrival_hour:
        median = got.dwell_h_by_arrival_hour.get(hourly.arrival_h)
        if median is None:
            found.append(f"dwell at {hourly.arrival_h} h: too few weekday arrivals in that hour to measure")
        else:
            found.append(_within(f"dwell of arrivals at {hourly.arrival_h} h", median, hourly))
    return [problem for problem in found if problem is not None]


def test_the_profile_meets_the_figures_it_cites(calibrated: tuple[Profile, Measured]) -> None:
    profile, measured = calibrated
    assert measured.sessions > 500, measured
    assert _problems(profile, measured) == []


def test_every_profile_cites_the_figures_a_planner_sizes_for(calibrated: tuple[Profile, Measured]) -> None:
    profile, _ = calibrated
    cal = profile.calibration
    assert cal.weekday_arrival_peak_h is not None
    assert cal.dwell_h_median is not None or cal.dwell_h_mean is not None
    assert cal.energy_kwh_median is not None or cal.energy_kwh_mean is not None
    assert cal.idle_share is not None
    if profile.dwell_by_arrival_hour is not None:  # dwell depends on the hour: check it by the hour
        assert cal.dwell_h_by_arrival_hour
    figures = [
        cal.weekday_arrival_peak_h,
        cal.dwell_h_median,
        cal.dwell_h_mean,
        cal.energy_kwh_mean,
        cal.idle_share,
    ]
    assert all(figure.source.strip() for figure in figures if figure is not None)


def test_dwell_follows_the_arrival_hour_where_the_profile_says_so(
    calibrated: tuple[Profile, Measured],
) -> None:
    profile, measured = calibrated
    if profile.dwell_by_arrival_hour is None:
        pytest.skip("dwell does not depend on the arrival hour in this profile")
    medians = measured.dwell_h_by_arrival_hour
    assert max(medians.values()) > 2 * min(medians.values()), medians
