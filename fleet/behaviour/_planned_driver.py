"""Drivers who follow a load plan instead of drawing their visits, and drivers whose drawn visits
are written down for one.

``PlannedDriver`` is a ProfileDriver whose arrivals and visits come from a ``PlannedArrivals``
(the plan's visits of its EVSE): it arrives when the plan says, with the plan's EV, SoC, token
and start method, and ends the charge when the plan's driver did. Everything after the arrival
runs as for any ProfileDriver, on the real station and CSMS. Without a plan it draws as a
ProfileDriver does; given a ``VisitLog`` it tells it when each visit begins and ends.

Both replace the drivers of a ProfileStation built from the station's seed (``planned_station``,
``record_station_visits``): the station's faults, outages and core are the forecast's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from fleet.behaviour._battery import ChargingBattery
from fleet.behaviour._planned_visits import LoadPlan, LoadPlanError, PlannedStation, PlannedVisit
from fleet.behaviour._profile_driver import ProfileDriver, Visit
from fleet.behaviour._profile_schema import EvModel, Profile, StationType
from fleet.behaviour._profile_station import ProfileStation
from fleet.behaviour._streams import draw_station_streams
from fleet.station import AnyStation, OcppVersion


class PlannedArrivals:
    """One EVSE's planned visits within a window of the plan's day, on a run's clock: plan time
    ``p`` is run time ``p + offset``. A visit still going on at the window's start joins as soon
    as the driver can arrive (its SoC is the one it arrived with)."""

    def __init__(
        self,
        visits: list[PlannedVisit],
        models: dict[str, EvModel],
        offset: float,
        window: tuple[float, float],
    ) -> None:
        start, end = window
        self._visits = [
            visit
            for visit in sorted(visits, key=lambda planned: planned.arrival_s)
            if visit.arrival_s < end and _visit_end(visit) > start
        ]
        self._models = models
        self._offset = offset
        self._next = 0

    def next_arrival(self, after: float) -> float | None:
        if self._next >= len(self._visits):
            return None
        return max(self._visits[self._next].arrival_s + self._offset, after)

    def take(self, app_start: bool) -> Visit:
        """The next planned visit, as the driver's Visit; without an app path in the shell
        (``app_start`` False: a CSMS the run does not drive), an app user taps a card instead."""
        planned = self._visits[self._next]
        self._next += 1
        method = planned.start_method
        return Visit(
            method="rfid" if method == "app" and not app_start else method,
            token=planned.id_token,
            battery=ChargingBattery(
                self._models[planned.ev_model], planned.soc_percent, planned.target_soc_percent
            ),
            depart_at=planned.departs_s + self._offset,
            plug_in_first=planned.plug_in_first,
            unplug_before_stop=planned.unplug_before_stop,
            idle_after_stop=planned.idle_after_stop,
        )


def _visit_end(visit: PlannedVisit) -> float:
    return visit.unplugged_s if visit.unplugged_s is not None else visit.departs_s


class VisitLog(Protocol):
    """Told of each visit of one station's drivers (``PlannedDriver`` with a log)."""

    def arrived(self, evse_id: int, at: float, visit: Visit) -> None: ...
    def left(self, evse_id: int, at: float, visit: Visit) -> None: ...


class PlannedDriver(ProfileDriver):
    """A ProfileDriver whose arrivals and visits are the plan's (with ``plan``; without one it
    draws them as any ProfileDriver), and that tells ``log`` (if any) of each visit's arrival
    and of the driver leaving."""

    def __init__(
        self,
        evse_id: int,
        profile: Profile,
        station_type: StationType,
        rng: random.Random,
        start_at: float,
        epoch: float,
        *,
        plan: PlannedArrivals | None = None,
        log: VisitLog | None = None,
        app_start: bool = False,
    ) -> None:
        super().__init__(evse_id, profile, station_type, rng, start_at, epoch, app_start=app_start)
        self._plan = plan
        self._log = log
        self._app_start = app_start
        if plan is not None:
            self._arrivals = plan
            self._next_at = plan.next_arrival(start_at)

    def _new_visit(self, at: float) -> Visit:
        visit = self._plan.take(self._app_start) if self._plan is not None else super()._new_visit(at)
        if self._log is not None:
            self._log.arrived(self.evse_id, at, visit)
        return visit

    def _leave(self, station: AnyStation, at: float) -> float | None:
        if self._log is not None and self._visit is not None:
            self._log.left(self.evse_id, at, self._visit)
        return super()._leave(station, at)


def record_station_visits(
    station: ProfileStation, seed: int, log: VisitLog, *, start_at: float, epoch: float, app_start: bool
) -> None:
    """Give ``station`` (built from ``seed``, not yet run) drivers that log their visits: the
    same drivers on the same random streams, so it runs as it would have."""
    streams = draw_station_streams(random.Random(seed), len(station.drivers))
    station.drivers = [
        PlannedDriver(
            driver.evse_id,
            station.profile,
            station.station_type,
            rng,
            start_at,
            epoch,
            log=log,
            app_start=app_start,
        )
        for driver, rng in zip(station.drivers, streams.drivers, strict=True)
    ]
    station.refresh_behaviour_deadline()


def planned_station(
    station_id: str,
    profile: Profile,
    planned: PlannedStation,
    *,
    start_at: float,
    epoch: float,
    plan_epoch: float,
    window: tuple[float, float],
    app_start: bool = False,
    ocpp_version: OcppVersion = "2.0.1",
) -> ProfileStation:
    """The plan's station ``planned`` as a ProfileStation named ``station_id`` whose drivers follow
    its visits in ``window`` (plan seconds [from, to)). ``epoch``: the run's UTC at time 0;
    ``plan_epoch``: the plan's. Raises LoadPlanError when the plan does not fit the profile."""
    types = {kind.name: kind for kind in profile.station_types}
    kind = types.get(planned.station_type)
    if kind is None:
        raise LoadPlanError(
            f"load plan: station {planned.station_id} is of type {planned.station_type!r}, which "
            f"profile {profile.name!r} does not have"
        )
    models = {model.name: model for model in profile.ev_models}
    visits = {evse.evse_id: evse.visits for evse in planned.evses}
    station = ProfileStation(
        station_id,
        profile,
        kind,
        random.Random(planned.seed),
        start_at=start_at,
        epoch=epoch,
        app_start=app_start,
        ocpp_version=ocpp_version,
    )
    streams = draw_station_streams(random.Random(planned.seed), len(station.drivers))
    offset = plan_epoch - epoch
    station.drivers = [
        PlannedDriver(
            driver.evse_id,
            profile,
            kind,
            rng,
            start_at,
            epoch,
            plan=PlannedArrivals(visits.get(driver.evse_id, []), models, offset, window),
            app_start=app_start,
        )
        for driver, rng in zip(station.drivers, streams.drivers, strict=True)
    ]
    station.refresh_behaviour_deadline()
    return station


def check_plan_fits(plan: LoadPlan, profile: Profile) -> None:
    """Raise LoadPlanError when the plan names a station type or EV model the profile lacks."""
    kinds = {kind.name for kind in profile.station_types}
    models = {model.name for model in profile.ev_models}
    for station in plan.station_plans:
        if station.station_type not in kinds:
            raise LoadPlanError(
                f"load plan: station {station.station_id} is of type {station.station_type!r}, "
                f"which profile {profile.name!r} does not have"
            )
        for evse in station.evses:
            for visit in evse.visits:
                if visit.ev_model not in models:
                    raise LoadPlanError(
                        f"load plan: station {station.station_id} EVSE {evse.evse_id}: EV model "
                        f"{visit.ev_model!r} is not in profile {profile.name!r}'s ev_models"
                    )


@dataclass(frozen=True, slots=True)
class PlanReplay:
    """A load plan replayed by `fleet run`: its stations' visits in [from_s, to_s) of its day."""

    plan: LoadPlan
    from_s: float
    to_s: float

    def station(
        self,
        index: int,
        station_id: str,
        profile: Profile,
        *,
        start_at: float,
        epoch: float,
        app_start: bool = False,
        ocpp_version: OcppVersion = "2.0.1",
    ) -> ProfileStation:
        """Station ``index`` of the plan, named ``station_id``, on a run whose clock reads UTC
        ``epoch + t`` at time ``t``."""
        return planned_station(
            station_id,
            profile,
            self.plan.station_plans[index],
            start_at=start_at,
            epoch=epoch,
            plan_epoch=self.plan.epoch,
            window=(self.from_s, self.to_s),
            app_start=app_start,
            ocpp_version=ocpp_version,
        )
