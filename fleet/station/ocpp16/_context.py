"""What the parts of one OCPP 1.6 station share (the shared modules see it as a ``CoreContext``)."""

from __future__ import annotations

from dataclasses import dataclass

from fleet.ocpp import v16
from fleet.station._clock import WallClock
from fleet.station._config import StationConfig
from fleet.station._connection import CallChannel
from fleet.station._events import Event
from fleet.station._lazy_random import RandomBits
from fleet.station._timers import Timers
from fleet.station.ocpp16._configuration import Configuration, Settings16


@dataclass(slots=True, eq=False)
class Context16:
    config: StationConfig
    rng: RandomBits
    keys: Configuration
    settings: Settings16
    clock: WallClock
    timers: Timers
    events: list[Event]
    channel: CallChannel

    @classmethod
    def create(cls, config: StationConfig, rng: RandomBits) -> Context16:
        keys = Configuration(connectors=config.evse_count)
        settings = Settings16(keys)
        timers = Timers()
        events: list[Event] = []
        channel = CallChannel(events, timers, settings, config.offline_queue_limit, actions=v16.ACTIONS)
        return cls(config, rng, keys, settings, WallClock(config.wall_clock_epoch), timers, events, channel)
