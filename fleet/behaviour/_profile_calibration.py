"""The parts of a behaviour profile that tie it to published charging-session data: dwell by the
hour a driver arrives, and the ``[calibration]`` figures a test measures the profile against.

Each calibration figure carries its value, the tolerance the measured value must meet, and the
source it was read from (title, year, table or figure, link), or "assumption" where it is our own
judgement; ``tests/behaviour/test_profile_calibration.py`` runs the session model of each bundled
profile and checks it against the figures in the file, so the numbers live in one place.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

_Factor = Annotated[float, msgspec.Meta(gt=0.0)]
_DayFactors = Annotated[list[_Factor], msgspec.Meta(min_length=24, max_length=24)]


class DwellByArrivalHour(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """How long a driver stays depends on when they arrive: the ``dwell_h`` draw is multiplied by
    the factor of the local arrival hour (24 values; ``weekend`` is Saturday and Sunday and
    defaults to ``weekday``). Evening arrivals at a street post stay the night; midday ones leave
    after an errand."""

    weekday: _DayFactors
    weekend: _DayFactors | None = None

    def factor(self, hour: int, weekend: bool) -> float:
        curve = self.weekend if weekend and self.weekend is not None else self.weekday
        return curve[hour]


class CalibrationFigure(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """One published figure: the measured value must be within ``value`` +- ``tolerance``."""

    value: float
    tolerance: Annotated[float, msgspec.Meta(gt=0.0)]
    source: Annotated[str, msgspec.Meta(min_length=1)]


class HourDwellFigure(CalibrationFigure, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """The median dwell (hours) of the drivers arriving in local hour ``arrival_h`` on weekdays."""

    arrival_h: Annotated[int, msgspec.Meta(ge=0, le=23)]


class Calibration(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """The figures a profile is calibrated against; each is optional.

    Hours are local clock hours (0-23); dwell is plug-in to plug-out; energy is metered per
    session; ``idle_share`` is the share of plugged-in time with no power flowing; the weekend
    shift is the mean weekend arrival hour minus the mean weekday arrival hour."""

    weekday_arrival_peak_h: CalibrationFigure | None = None
    weekend_arrival_peak_h: CalibrationFigure | None = None
    weekend_arrival_mean_shift_h: CalibrationFigure | None = None
    dwell_h_median: CalibrationFigure | None = None
    dwell_h_mean: CalibrationFigure | None = None
    dwell_h_by_arrival_hour: list[HourDwellFigure] = []
    energy_kwh_median: CalibrationFigure | None = None
    energy_kwh_mean: CalibrationFigure | None = None
    idle_share: CalibrationFigure | None = None
