"""Behaviour models that act on stations: drivers (and later EVs, batteries, profiles)."""

from fleet.behaviour._arrivals import ArrivalProcess, ArrivalSource, CombinedArrivals, ScheduledReturns
from fleet.behaviour._battery import ChargingBattery
from fleet.behaviour._behaviour_events import RemoteStartWanted
from fleet.behaviour._distributions import draw, mean
from fleet.behaviour._driver import DriverSettings, SimpleDriver
from fleet.behaviour._ev_catalogue import draw_session_soc, pick_ev_model
from fleet.behaviour._faults import Fault, FaultProcess
from fleet.behaviour._pacing import Backoff, SpeedClock
from fleet.behaviour._person import TOKEN_TYPES, DisplayRefused, PersonAtStation, person_at
from fleet.behaviour._person_screen import EvseScreen, StationScreen
from fleet.behaviour._planned_driver import (
    PlannedArrivals,
    PlannedDriver,
    PlanReplay,
    VisitLog,
    check_plan_fits,
    planned_station,
    record_station_visits,
)
from fleet.behaviour._planned_visits import (
    PLAN_FORMAT,
    LoadPlan,
    LoadPlanError,
    PlannedEvse,
    PlannedStation,
    PlannedVisit,
    read_load_plan,
    write_load_plan,
)
from fleet.behaviour._profile import (
    ProfileError,
    arrivals_per_evse_day,
    bundled_profiles_dir,
    list_profiles,
    load_profile,
    parse_profile,
    resolve_profile,
)
from fleet.behaviour._profile_driver import (
    APP_WAIT_S,
    AUTH_WAIT_S,
    HUMAN_STEP_S,
    IDLE_AFTER_STOP_MEAN_S,
    DriverStats,
    ProfileDriver,
    Visit,
    arrival_source,
    draw_visit,
    start_choices,
)
from fleet.behaviour._profile_schema import Distribution, EvModel, Profile, StationType
from fleet.behaviour._profile_station import ProfileStation, build_profile_fleet, profile_fleet_plan
from fleet.behaviour._rate_multiplier import with_rate_multiplier
from fleet.behaviour._rate_schedule import RateSchedule
from fleet.behaviour._shell import StationShell
from fleet.behaviour._simulated import SimulatedStation
from fleet.behaviour._station_mix import station_config, station_types_for
from fleet.behaviour._streams import StationStreams, draw_station_streams

__all__ = [
    "APP_WAIT_S",
    "AUTH_WAIT_S",
    "HUMAN_STEP_S",
    "IDLE_AFTER_STOP_MEAN_S",
    "PLAN_FORMAT",
    "TOKEN_TYPES",
    "ArrivalProcess",
    "ArrivalSource",
    "Backoff",
    "ChargingBattery",
    "CombinedArrivals",
    "DisplayRefused",
    "Distribution",
    "DriverSettings",
    "DriverStats",
    "EvModel",
    "EvseScreen",
    "Fault",
    "FaultProcess",
    "LoadPlan",
    "LoadPlanError",
    "PersonAtStation",
    "PlanReplay",
    "PlannedArrivals",
    "PlannedDriver",
    "PlannedEvse",
    "PlannedStation",
    "PlannedVisit",
    "Profile",
    "ProfileDriver",
    "ProfileError",
    "ProfileStation",
    "RateSchedule",
    "RemoteStartWanted",
    "ScheduledReturns",
    "SimpleDriver",
    "SimulatedStation",
    "SpeedClock",
    "StationScreen",
    "StationShell",
    "StationStreams",
    "StationType",
    "Visit",
    "VisitLog",
    "arrival_source",
    "arrivals_per_evse_day",
    "build_profile_fleet",
    "bundled_profiles_dir",
    "check_plan_fits",
    "draw",
    "draw_session_soc",
    "draw_station_streams",
    "draw_visit",
    "list_profiles",
    "load_profile",
    "mean",
    "parse_profile",
    "person_at",
    "pick_ev_model",
    "planned_station",
    "profile_fleet_plan",
    "read_load_plan",
    "record_station_visits",
    "resolve_profile",
    "start_choices",
    "station_config",
    "station_types_for",
    "with_rate_multiplier",
    "write_load_plan",
]
