"""Behaviour models that act on stations: drivers (and later EVs, batteries, profiles)."""

from fleet.behaviour._distributions import draw
from fleet.behaviour._driver import DriverSettings, SimpleDriver
from fleet.behaviour._profile_schema import Distribution, EvModel, Profile, StationType
from fleet.behaviour._simulated import SimulatedStation

__all__ = [
    "Distribution",
    "DriverSettings",
    "EvModel",
    "Profile",
    "SimpleDriver",
    "SimulatedStation",
    "StationType",
    "draw",
]
