"""Behaviour models that act on stations: drivers (and later EVs, batteries, profiles)."""

from fleet.behaviour._arrivals import ArrivalProcess, ArrivalSource, CombinedArrivals, ScheduledReturns
from fleet.behaviour._battery import ChargingBattery
from fleet.behaviour._behaviour_events import RemoteStartWanted
from fleet.behaviour._distributions import draw, mean
from fleet.behaviour._driver import DriverSettings, SimpleDriver
from fleet.behaviour._ev_catalogue import draw_session_soc, pick_ev_model
from fleet.behaviour._faults import Fault, FaultProcess
from fleet.behaviour._pacing import Backoff, SpeedClock
from fleet.behaviour._profile import (
    ProfileError,
    arrivals_per_evse_day,
    bundled_profiles_dir,
    list_profiles,
    load_profile,
    parse_profile,
    resolve_profile,
)
from fleet.behaviour._profile_driver import DriverStats, ProfileDriver
from fleet.behaviour._profile_schema import Distribution, EvModel, Profile, StationType
from fleet.behaviour._profile_station import ProfileStation, build_profile_fleet
from fleet.behaviour._simulated import SimulatedStation
from fleet.behaviour._station_mix import station_config, station_types_for

__all__ = [
    "ArrivalProcess",
    "ArrivalSource",
    "Backoff",
    "ChargingBattery",
    "CombinedArrivals",
    "Distribution",
    "DriverSettings",
    "DriverStats",
    "EvModel",
    "Fault",
    "FaultProcess",
    "Profile",
    "ProfileDriver",
    "ProfileError",
    "ProfileStation",
    "RemoteStartWanted",
    "ScheduledReturns",
    "SimpleDriver",
    "SimulatedStation",
    "SpeedClock",
    "StationType",
    "arrivals_per_evse_day",
    "build_profile_fleet",
    "bundled_profiles_dir",
    "draw",
    "draw_session_soc",
    "list_profiles",
    "load_profile",
    "mean",
    "parse_profile",
    "pick_ev_model",
    "resolve_profile",
    "station_config",
    "station_types_for",
]
