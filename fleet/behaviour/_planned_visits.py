"""A load plan: the day `fleet simulate` forecast, written down visit by visit, for `fleet run
--load-plan` to replay against a real CSMS.

Times are seconds of the plan's day: 0 is 00:00 site local time on ``start_date`` (UTC
``epoch``). A visit holds what its driver brought (EV model, SoC in and target, id token, how
they start and misbehave, when they leave) and what the forecast saw of it on the station
(plug-in, transaction start and stop, unplug, energy); the replay takes the first part and
checks itself against the second.
"""

from __future__ import annotations

import msgspec

from fleet.behaviour._profile_driver import StartMethod

PLAN_FORMAT = "fleet-load-plan/1"


class LoadPlanError(ValueError):
    """A load plan that cannot be read or does not fit the run; the message says what and where."""


class PlannedVisit(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    arrival_s: float
    departs_s: float  # when the driver ended the charge (badge out or unplug), as forecast
    ev_model: str
    soc_percent: float  # on arrival
    target_soc_percent: float
    id_token: str  # "" for a start button
    start_method: StartMethod
    plug_in_first: bool
    unplug_before_stop: bool
    idle_after_stop: bool
    plugged_in_s: float | None = None
    started_s: float | None = None  # the transaction's start (None: no session started)
    stopped_s: float | None = None
    unplugged_s: float | None = None
    energy_wh: float | None = None  # the transaction's energy, when it ended


class PlannedEvse(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    evse_id: int
    visits: list[PlannedVisit]


class PlannedStation(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    station_id: str
    station_type: str  # a name from the profile's station_types
    seed: int  # the station's random seed (faults, outages, the core's ids)
    ocpp: str  # "1.6" or "2.0.1"
    evses: list[PlannedEvse]


class LoadPlan(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """The forecast's settings and its stations' visits."""

    format: str
    profile: str  # the profile's name or file, as given to `fleet simulate`
    stations: int
    seed: int
    start_date: str  # YYYY-MM-DD, the plan's day (site local)
    epoch: float  # UTC seconds at 00:00 site local time of start_date
    hours: float
    ocpp: str  # the forecast's --ocpp: 2.0.1, 1.6 or mix:SHARE
    station_plans: list[PlannedStation]

    @property
    def sessions(self) -> list[tuple[str, PlannedVisit]]:
        """(station id, visit) of every visit that started a transaction, by start time."""
        found = [
            (station.station_id, visit)
            for station in self.station_plans
            for evse in station.evses
            for visit in evse.visits
            if visit.started_s is not None
        ]
        return sorted(found, key=lambda pair: pair[1].started_s or 0.0)


def write_load_plan(plan: LoadPlan, path: str) -> None:
    with open(path, "wb") as out:
        out.write(msgspec.json.format(msgspec.json.encode(plan), indent=1))


def read_load_plan(path: str) -> LoadPlan:
    """The plan in ``path``. Raises LoadPlanError naming the file and what is wrong."""
    try:
        with open(path, "rb") as source:
            data = source.read()
    except OSError as exc:
        raise LoadPlanError(f"load plan {path}: cannot read it: {exc.strerror or exc}") from None
    try:
        plan = msgspec.json.decode(data, type=LoadPlan)
    except msgspec.DecodeError as exc:
        raise LoadPlanError(f"load plan {path}: not a load plan written by `fleet simulate`: {exc}") from None
    if plan.format != PLAN_FORMAT:
        raise LoadPlanError(f"load plan {path}: format {plan.format!r}, expected {PLAN_FORMAT!r}")
    if plan.stations != len(plan.station_plans):
        raise LoadPlanError(
            f"load plan {path}: says {plan.stations} stations but lists {len(plan.station_plans)}"
        )
    return plan
