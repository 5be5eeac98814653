"""The behaviour profile: what a profiles/*.toml file contains, as typed structs.

Units are in the field names (``_kw``, ``_kwh``, ``_h``, ``_s``, ``_percent``). Distributions are
tables with a ``kind``: ``{ kind = "lognormal", median = 8.5, sigma = 0.35, min = 0.5, max = 14 }``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from fleet.behaviour._ev_figures import DcFigure
from fleet.behaviour._profile_calibration import Calibration, DwellByArrivalHour

_Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
_Positive = Annotated[float, msgspec.Meta(gt=0.0)]
_NonNegative = Annotated[float, msgspec.Meta(ge=0.0)]
_Percent = Annotated[float, msgspec.Meta(ge=0.0, le=100.0)]
_HourOfDay = Annotated[float, msgspec.Meta(ge=0.0, lt=24.0)]
_DayCurve = Annotated[list[_NonNegative], msgspec.Meta(min_length=24, max_length=24)]


class _Bounded(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Every distribution may be clamped: draws below ``min`` or above ``max`` are clipped."""

    min: float | None = None
    max: float | None = None


class Fixed(_Bounded, tag="fixed", tag_field="kind", frozen=True, forbid_unknown_fields=True, kw_only=True):
    value: float


class Uniform(
    _Bounded, tag="uniform", tag_field="kind", frozen=True, forbid_unknown_fields=True, kw_only=True
):
    low: float
    high: float


class Normal(_Bounded, tag="normal", tag_field="kind", frozen=True, forbid_unknown_fields=True, kw_only=True):
    mean: float
    sd: _NonNegative


class LogNormal(
    _Bounded, tag="lognormal", tag_field="kind", frozen=True, forbid_unknown_fields=True, kw_only=True
):
    """Parameterised by its median (exp(mu)) and sigma, the easiest pair to read off field data."""

    median: _Positive
    sigma: _NonNegative


class Exponential(
    _Bounded, tag="exponential", tag_field="kind", frozen=True, forbid_unknown_fields=True, kw_only=True
):
    mean: _Positive


Distribution = Fixed | Uniform | Normal | LogNormal | Exponential


class StationType(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """One kind of station in the site's mix; ``share`` of all stations are of this kind."""

    name: str
    share: _Share
    evses: Annotated[int, msgspec.Meta(ge=1, le=64)]
    current: Literal["AC", "DC"]
    max_power_kw: _Positive  # per EVSE
    phases: Literal[1, 3] = 3  # AC only; DC stations report 3
    cable_limit_kw: _Positive | None = None  # tethered cable / connector rating, if below max_power_kw
    vendor: str = "ocpp-fleet"
    model: str = "Sim"
    firmware: str = "1.0.0"


class Arrivals(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Drivers arriving at one EVSE: a non-homogeneous Poisson process.

    ``weekday``, ``saturday`` and ``sunday`` give the arrival rate per EVSE per hour for each
    hour of the day (24 values); the rate is piecewise constant within an hour.
    """

    weekday: _DayCurve
    saturday: _DayCurve
    sunday: _DayCurve
    # Friday differs from Monday-Thursday where leisure travel starts (highway hubs); None: weekday
    friday: _DayCurve | None = None


class ScheduledReturn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """A fleet depot: vehicles come back at a planned time each day, with some spread."""

    at_h: _HourOfDay  # planned return, local hour of day
    spread_min: _NonNegative  # standard deviation of the actual return time, minutes
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]]
    share: _Share = 1.0  # share of EVSEs whose vehicle returns on such a day


class Authorization(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """How drivers start a session; the four shares are weights (normalised when drawn)."""

    rfid: _NonNegative = 0.7
    pin: _NonNegative = 0.0
    start_button: _NonNegative = 0.1
    app: _NonNegative = 0.2  # remote start: the CSMS sends RequestStartTransaction
    plug_in_first: _Share = 0.8  # the rest present their token before plugging in
    rejected_token: _Share = 0.02  # share of drivers whose token the CSMS should refuse


class Misbehaviour(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    unplug_before_stop: _Share = 0.03  # pull the cable without badging out
    idle_after_charging: _Share = 0.2  # stay plugged after the EV is full (idle occupancy)


class EvModel(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """One EV model of the catalogue. ``dc_curve`` is [[soc_percent, kw], ...], ascending in SoC,
    from 0 to 100: the most the battery accepts at that state of charge (linear in between)."""

    name: str
    share: _Share
    battery_kwh: _Positive
    max_ac_kw: _Positive
    ac_phases: Literal[1, 3] = 3
    max_dc_kw: _NonNegative = 0.0  # 0: no DC inlet
    dc_curve: list[tuple[_Percent, _NonNegative]] = []
    # nominal battery voltage: 400 (most EVs) or 800 (E-GMP, J1 platforms); sets the DC link voltage
    pack_voltage_v: Annotated[float, msgspec.Meta(ge=200, le=1000)] = 400.0
    # published figures the DC curve is checked against (tests/behaviour/test_ev_dc_curves.py)
    dc_figures: list[DcFigure] = []


class Faults(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    outages_per_station_day: _NonNegative = 0.0  # connectivity losses, per station per day
    outage_duration_s: Distribution = Fixed(value=60.0)
    connector_faults_per_evse_day: _NonNegative = 0.0
    connector_fault_duration_s: Distribution = Fixed(value=600.0)
    # share of driver visits whose connector lock fails when the session would start: the
    # connector goes Faulted (2.0.1 also NotifyEvent ConnectorPlugRetentionLock.Problem), no
    # energy flows, the driver gives up and unplugs, which clears the fault
    lock_failures_per_session: _Share = 0.0


class DataTransfer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Station-initiated DataTransfer CALLs, each station at ``per_station_hour`` (Poisson)."""

    per_station_hour: _NonNegative = 0.0  # 0: none
    vendor_id: Annotated[str, msgspec.Meta(min_length=1, max_length=255)] = "ocpp-fleet"
    message_id: Annotated[str, msgspec.Meta(min_length=1, max_length=50)] | None = None
    data: str | None = None


class OcppSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Device-model values the stations start with (the CSMS may change them)."""

    tx_updated_interval_s: Annotated[int, msgspec.Meta(ge=0)] = 60
    aligned_data_interval_s: Annotated[int, msgspec.Meta(ge=0)] = 900


class Profile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    name: str
    description: str
    site: Literal["residential", "workplace", "urban_public", "highway_dc", "fleet_depot"]
    station_types: Annotated[list[StationType], msgspec.Meta(min_length=1)]
    ev_models: Annotated[list[EvModel], msgspec.Meta(min_length=1)]
    dwell_h: Distribution  # how long the vehicle stays plugged in, hours
    arrival_soc_percent: Distribution
    target_soc_percent: Distribution
    # the energy a driver used since the last charge, kWh: arrival SoC = max(the arrival_soc_percent
    # draw, target - trip), so the energy need follows the trip, not the battery size
    trip_kwh: Distribution | None = None
    # DC: the driver leaves this long after the EV reaches its target (dwell_h is then the most
    # they wait); None: the driver leaves at the end of the drawn dwell
    dc_departure_margin_min: Distribution | None = None
    dwell_by_arrival_hour: DwellByArrivalHour | None = None  # dwell_h x a factor per arrival hour
    calibration: Calibration = Calibration()  # published figures the profile is checked against
    arrivals: Arrivals | None = None
    scheduled_returns: list[ScheduledReturn] = []
    authorization: Authorization = Authorization()
    misbehaviour: Misbehaviour = Misbehaviour()
    faults: Faults = Faults()
    data_transfer: DataTransfer = DataTransfer()
    ocpp: OcppSettings = OcppSettings()
    utc_offset_h: Annotated[float, msgspec.Meta(ge=-12, le=14)] = 0.0  # local time of the curves
