"""Checks of a profile's ``[calibration]`` figures that the typed schema cannot express."""

from __future__ import annotations

from collections.abc import Iterator

from fleet.behaviour._profile_calibration import Calibration
from fleet.behaviour._profile_problem import ProfileProblem, show_value

_HOURS = ("weekday_arrival_peak_h", "weekend_arrival_peak_h")


def calibration_problems(calibration: Calibration) -> Iterator[ProfileProblem]:
    """A clock hour within 0..24, positive dwell and energy, an idle share within 0..1."""
    for name in _HOURS:
        figure = (
            calibration.weekday_arrival_peak_h if name == _HOURS[0] else calibration.weekend_arrival_peak_h
        )
        if figure is not None and not 0.0 <= figure.value < 24.0:
            yield ProfileProblem(
                f"calibration.{name}.value", "a clock hour within 0..24", show_value(figure.value)
            )
    positive = {
        "dwell_h_median": calibration.dwell_h_median,
        "dwell_h_mean": calibration.dwell_h_mean,
        "energy_kwh_median": calibration.energy_kwh_median,
        "energy_kwh_mean": calibration.energy_kwh_mean,
    }
    for name, figure in positive.items():
        if figure is not None and figure.value <= 0.0:
            yield ProfileProblem(f"calibration.{name}.value", "a value > 0", show_value(figure.value))
    for index, hourly in enumerate(calibration.dwell_h_by_arrival_hour):
        if hourly.value <= 0.0:
            yield ProfileProblem(
                f"calibration.dwell_h_by_arrival_hour[{index}].value", "a value > 0", show_value(hourly.value)
            )
    idle = calibration.idle_share
    if idle is not None and not 0.0 <= idle.value <= 1.0:
        yield ProfileProblem("calibration.idle_share.value", "a share within 0..1", show_value(idle.value))
