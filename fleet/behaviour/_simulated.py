"""A Station plus one SimpleDriver per EVSE, behind the same sans-IO shell API as Station."""

from __future__ import annotations

import random

from fleet.behaviour._driver import DriverSettings, SimpleDriver
from fleet.behaviour._rate_schedule import RateSchedule
from fleet.behaviour._shell import StationShell
from fleet.station import LazyRandom, OcppVersion, StationConfig, create_station


class SimulatedStation(StationShell):
    def __init__(
        self,
        config: StationConfig,
        rng: random.Random,
        driver_settings: DriverSettings | None = None,
        *,
        start_at: float = 0.0,
        ocpp_version: OcppVersion = "2.0.1",
        rate_schedule: RateSchedule | None = None,  # the drivers' arrival rate over time (--stages)
    ) -> None:
        settings = driver_settings if driver_settings is not None else DriverSettings()
        # one independent stream each: adding a driver does not change the station's ids
        self.station = create_station(config, LazyRandom(rng.getrandbits(64)), ocpp_version)
        self.drivers = [
            SimpleDriver(evse_id, random.Random(rng.getrandbits(64)), settings, start_at, rate_schedule)
            for evse_id in range(1, config.evse_count + 1)
        ]

    def next_deadline(self) -> float | None:
        # asked after every step of every station: no lists built
        earliest = self.station.next_deadline()
        for driver in self.drivers:
            at = driver.next_deadline()
            if at is not None and (earliest is None or at < earliest):
                earliest = at
        return earliest

    def handle_timer(self, now: float) -> None:
        # most wake-ups are the station's own timers: no list unless a driver is due
        due: list[tuple[float, int, SimpleDriver]] | None = None
        for driver in self.drivers:
            deadline = driver.next_deadline()
            if deadline is not None and deadline <= now:
                if due is None:
                    due = []
                due.append((deadline, driver.evse_id, driver))
        if due is not None:
            due.sort(key=lambda item: (item[0], item[1]))
            for _, _, driver in due:
                driver.handle_timer(now, self.station)
        self.station.handle_timer(now)
