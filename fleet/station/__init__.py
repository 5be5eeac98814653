"""The sans-IO OCPP 2.0.1 charging station core: no sockets, no clocks, no global randomness."""

from fleet.station._config import EvseState, StationConfig
from fleet.station._device_model import DeviceModel
from fleet.station._events import (
    BootStatus,
    BootStatusChanged,
    CallFailed,
    CallSucceeded,
    ConnectorStatusChanged,
    Event,
    MessageDropped,
    RebootRequested,
    RequestAnswered,
    TransactionEnded,
    TransactionStarted,
)
from fleet.station._handlers import DataTransferHandler
from fleet.station._station import Station

__all__ = [
    "BootStatus",
    "BootStatusChanged",
    "CallFailed",
    "CallSucceeded",
    "ConnectorStatusChanged",
    "DataTransferHandler",
    "DeviceModel",
    "Event",
    "EvseState",
    "MessageDropped",
    "RebootRequested",
    "RequestAnswered",
    "Station",
    "StationConfig",
    "TransactionEnded",
    "TransactionStarted",
]
