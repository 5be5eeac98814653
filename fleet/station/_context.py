"""What the parts of one station share: configuration, clock, timers, the event list, the line."""

from __future__ import annotations

from dataclasses import dataclass

from fleet.station._clock import WallClock
from fleet.station._config import StationConfig
from fleet.station._connection import CallChannel
from fleet.station._device_model import DeviceModel
from fleet.station._events import Event
from fleet.station._lazy_random import RandomBits
from fleet.station._nameplate import apply_nameplate
from fleet.station._settings import Settings
from fleet.station._timers import Timers


@dataclass(slots=True, eq=False)
class StationContext:
    config: StationConfig
    rng: RandomBits
    model: DeviceModel
    settings: Settings
    clock: WallClock
    timers: Timers
    events: list[Event]
    channel: CallChannel

    @classmethod
    def create(cls, config: StationConfig, rng: RandomBits) -> StationContext:
        model = DeviceModel(evse_count=config.evse_count, station_id=config.station_id)
        apply_nameplate(model, config)
        settings = Settings(model)
        timers = Timers()
        events: list[Event] = []
        channel = CallChannel(events, timers, settings, config.offline_queue_limit)
        return cls(config, rng, model, settings, WallClock(config.wall_clock_epoch), timers, events, channel)
