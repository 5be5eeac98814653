"""`fleet simulate --load-plan FILE`: forecast a profile fleet's day with the frames model and
write down what it forecast, visit by visit, as a load plan `fleet run --load-plan` replays.

Every station's drivers are the ones the forecast runs anyway (same random streams: the forecast
does not change by being recorded); each visit's driver inputs come from the drivers, the
station's answer to them (plug-in, transaction start and stop, unplug, energy) from the station
core's events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fleet.behaviour import (
    PLAN_FORMAT,
    LoadPlan,
    PlannedStation,
    ProfileStation,
    profile_fleet_plan,
    record_station_visits,
)
from fleet.ocpp import v16
from fleet.simulation._config import SimulationConfig
from fleet.simulation._forecast import Forecast
from fleet.simulation._load_plan_recorder import PlanRecordingStation, StationVisitLog
from fleet.simulation._loop import ProgressHook, Simulation
from fleet.simulation._shards import FleetSpec, build_fleet


def forecast_with_plan(
    config: SimulationConfig,
    spec: FleetSpec,
    *,
    ocpp: str = "2.0.1",
    on_progress: ProgressHook | None = None,
) -> tuple[Forecast, LoadPlan]:
    """The frames model's forecast of the spec's profile fleet, in this process, and its load
    plan. ``ocpp``: the forecast's --ocpp spelling, echoed in the plan. Raises ValueError for the
    simple driver (it has no visits to plan) and fleet.behaviour.ProfileError for a bad profile."""
    if spec.profile is None:
        raise ValueError("a load plan needs a behaviour profile (--profile): the simple driver has no visits")
    _, epoch, stations = build_fleet(spec)
    profiled = [station for station in stations if isinstance(station, ProfileStation)]
    if not profiled or len(profiled) != len(stations):
        raise ValueError("a load plan needs a fleet of profile stations")
    _, seeds = profile_fleet_plan(profiled[0].profile, spec.count, spec.seed)
    logs = []
    for station, seed in zip(profiled, seeds, strict=True):
        log = StationVisitLog(len(station.drivers))
        record_station_visits(station, seed, log, start_at=0.0, epoch=epoch, app_start=True)
        logs.append(log)
    recorded = [PlanRecordingStation(station, log) for station, log in zip(profiled, logs, strict=True)]
    forecast = Simulation(config, recorded, on_progress=on_progress).run()
    plan = LoadPlan(
        format=PLAN_FORMAT,
        profile=spec.profile,
        stations=spec.count,
        seed=spec.seed,
        start_date=_local_date(epoch, profiled[0].profile.utc_offset_h),
        epoch=epoch,
        hours=config.hours,
        ocpp=ocpp,
        station_plans=[
            PlannedStation(
                station_id=station.station_id,
                station_type=station.station_type.name,
                seed=seed,
                ocpp="1.6" if station.subprotocol == v16.SUBPROTOCOL else "2.0.1",
                evses=log.planned_evses(),
            )
            for station, seed, log in zip(profiled, seeds, logs, strict=True)
        ],
    )
    return forecast, plan


def _local_date(epoch: float, utc_offset_h: float) -> str:
    """The site's local date at ``epoch`` (UTC seconds of its local midnight)."""
    return datetime.fromtimestamp(epoch + utc_offset_h * 3600.0, UTC).date().isoformat()
