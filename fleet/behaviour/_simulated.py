"""A Station plus one SimpleDriver per EVSE, behind the same sans-IO shell API as Station."""

from __future__ import annotations

import random

from fleet.behaviour._driver import DriverSettings, SimpleDriver
from fleet.station import BootStatus, Event, Station, StationConfig


class SimulatedStation:
    def __init__(
        self,
        config: StationConfig,
        rng: random.Random,
        driver_settings: DriverSettings | None = None,
        *,
        start_at: float = 0.0,
    ) -> None:
        settings = driver_settings if driver_settings is not None else DriverSettings()
        # one independent stream each: adding a driver does not change the station's ids
        self.station = Station(config, random.Random(rng.getrandbits(64)))
        self.drivers = [
            SimpleDriver(evse_id, random.Random(rng.getrandbits(64)), settings, start_at)
            for evse_id in range(1, config.evse_count + 1)
        ]

    @property
    def station_id(self) -> str:
        return self.station.station_id

    @property
    def is_connected(self) -> bool:
        return self.station.is_connected

    @property
    def boot_status(self) -> BootStatus | None:
        return self.station.boot_status

    def connected(self, now: float) -> None:
        self.station.connected(now)

    def disconnected(self, now: float) -> None:
        self.station.disconnected(now)

    def receive(self, data: str | bytes, now: float) -> None:
        self.station.receive(data, now)

    def events(self) -> list[Event]:
        return self.station.events()

    def data_to_send(self) -> list[str]:
        return self.station.data_to_send()

    def next_deadline(self) -> float | None:
        deadlines = [d for d in (driver.next_deadline() for driver in self.drivers) if d is not None]
        own = self.station.next_deadline()
        if own is not None:
            deadlines.append(own)
        return min(deadlines, default=None)

    def handle_timer(self, now: float) -> None:
        due = sorted(
            (deadline, driver.evse_id, driver)
            for driver in self.drivers
            if (deadline := driver.next_deadline()) is not None and deadline <= now
        )
        for _, _, driver in due:
            driver.handle_timer(now, self.station)
        self.station.handle_timer(now)
