"""Either core behind one name: which OCPP versions exist, and building a station of one."""

from __future__ import annotations

from typing import Literal, get_args

from fleet.station._config import StationConfig
from fleet.station._lazy_random import RandomBits
from fleet.station._station import Station
from fleet.station.ocpp16 import Station16

OcppVersion = Literal["1.6", "2.0.1"]
OCPP_VERSIONS: tuple[OcppVersion, ...] = get_args(OcppVersion)
AnyStation = Station | Station16


def create_station(config: StationConfig, rng: RandomBits, version: OcppVersion = "2.0.1") -> AnyStation:
    if version == "1.6":
        return Station16(config, rng)
    return Station(config, rng)


def set_sampling_intervals(station: AnyStation, periodic_s: int, aligned_s: int) -> None:
    """Meter values during a transaction every ``periodic_s`` and clock-aligned every
    ``aligned_s`` (0: off), in the version's own configuration."""
    if isinstance(station, Station16):
        station.configuration.set("MeterValueSampleInterval", str(periodic_s))
        station.configuration.set("ClockAlignedDataInterval", str(aligned_s))
    else:
        station.device_model.set_actual("SampledDataCtrlr", "TxUpdatedInterval", str(periodic_s))
        station.device_model.set_actual("AlignedDataCtrlr", "Interval", str(aligned_s))


# protocol timers that are real-world network waits, not behaviour: under a sped-up clock they
# must not shrink, so a shell running at ``speed`` stretches them in simulated seconds
_NETWORK_VARIABLES_201 = (
    ("OCPPCommCtrlr", "MessageTimeout", "Default"),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"),
)
_NETWORK_KEYS_16 = ("MessageTimeout", "TransactionMessageRetryInterval")


def stretch_network_timers(station: AnyStation, speed: float) -> None:
    if speed == 1.0:
        return
    if isinstance(station, Station16):
        keys = station.configuration
        for key in _NETWORK_KEYS_16:
            keys.set(key, str(round(keys.get_int(key) * speed)))
        return
    model = station.device_model
    for component, variable, instance in _NETWORK_VARIABLES_201:
        seconds = model.get_int(component, variable, 0, instance=instance)
        if seconds > 0:
            model.set_actual(component, variable, str(round(seconds * speed)), instance=instance)
