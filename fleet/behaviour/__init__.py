"""Behaviour models that act on stations: drivers (and later EVs, batteries, profiles)."""

from fleet.behaviour._driver import DriverSettings, SimpleDriver
from fleet.behaviour._simulated import SimulatedStation

__all__ = ["DriverSettings", "SimpleDriver", "SimulatedStation"]
