"""The sans-IO OCPP 1.6J charge point core: the same shell API as the 2.0.1 ``Station``."""

from fleet.station.ocpp16._configuration import STANDARD_KEYS, Configuration, KeySpec
from fleet.station.ocpp16._station import Station16

__all__ = ["STANDARD_KEYS", "Configuration", "KeySpec", "Station16"]
