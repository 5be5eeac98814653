"""The sans-IO charging station cores, OCPP 2.0.1 (``Station``) and 1.6J (``Station16``): no sockets,
no clocks, no global randomness."""

from fleet.station._config import EvseState, StationConfig
from fleet.station._device_model import DeviceModel
from fleet.station._events import (
    BootStatus,
    BootStatusChanged,
    CallFailed,
    CallSucceeded,
    ConnectorStatusChanged,
    EnergyMetered,
    Event,
    MessageDropped,
    RebootRequested,
    ReconnectRequested,
    RequestAnswered,
    TransactionEnded,
    TransactionStarted,
)
from fleet.station._handlers import DataTransferHandler
from fleet.station._lazy_random import LazyRandom, RandomBits
from fleet.station._shell_api import Behaviour, RemoteStartWish, ShellStation, StationCore, StationSecurity
from fleet.station._station import Station
from fleet.station._station_share import share_station_limit
from fleet.station._versions import (
    OCPP_VERSIONS,
    AnyStation,
    OcppVersion,
    create_station,
    set_sampling_intervals,
    stretch_network_timers,
)
from fleet.station.ocpp16 import Station16

__all__ = [
    "OCPP_VERSIONS",
    "AnyStation",
    "Behaviour",
    "BootStatus",
    "BootStatusChanged",
    "CallFailed",
    "CallSucceeded",
    "ConnectorStatusChanged",
    "DataTransferHandler",
    "DeviceModel",
    "EnergyMetered",
    "Event",
    "EvseState",
    "LazyRandom",
    "MessageDropped",
    "OcppVersion",
    "RandomBits",
    "RebootRequested",
    "ReconnectRequested",
    "RemoteStartWish",
    "RequestAnswered",
    "ShellStation",
    "Station",
    "Station16",
    "StationConfig",
    "StationCore",
    "StationSecurity",
    "TransactionEnded",
    "TransactionStarted",
    "create_station",
    "set_sampling_intervals",
    "share_station_limit",
    "stretch_network_timers",
]
