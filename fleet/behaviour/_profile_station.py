"""A station of a profile's mix with a ProfileDriver per EVSE and its random faults, behind the
sans-IO shell API of SimulatedStation.

Extra duties for the shell: ``offline_until(now)`` (a connectivity outage: drop the connection
and stay away until then; the station keeps simulating offline) and ``behaviour_events()``
(app starts the shell turns into RequestStartTransaction from the CSMS).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from fleet.behaviour._behaviour_events import RemoteStartWanted
from fleet.behaviour._faults import FaultProcess
from fleet.behaviour._profile_driver import ProfileDriver
from fleet.behaviour._profile_schema import Profile, StationType
from fleet.behaviour._rate_schedule import RateSchedule
from fleet.behaviour._shell import StationShell
from fleet.behaviour._station_data_transfers import StationDataTransfers
from fleet.behaviour._station_mix import station_config, station_types_for
from fleet.behaviour._streams import draw_station_streams
from fleet.station import LazyRandom, OcppVersion, create_station, set_sampling_intervals

# driver steps and fault changes handled in one handle_timer call at most (a late shell catches
# up; a pathological profile cannot hang it)
_MAX_STEPS_PER_CALL = 10_000
_FAULT, _DRIVER, _DATA_TRANSFER = 0, 1, 2  # the order of simultaneous steps


class ProfileStation(StationShell):
    def __init__(
        self,
        station_id: str,
        profile: Profile,
        station_type: StationType,
        rng: random.Random,
        *,
        start_at: float,
        epoch: float,
        app_start: bool = False,
        ocpp_version: OcppVersion = "2.0.1",
        rate_schedule: RateSchedule | None = None,  # the arrival rate's multiplier over time (--stages)
    ) -> None:
        self.profile = profile
        self.station_type = station_type
        config = station_config(station_id, station_type, epoch)
        streams = draw_station_streams(rng, config.evse_count)
        self.station = create_station(config, LazyRandom(streams.core_seed), ocpp_version)
        evse_ids = range(1, config.evse_count + 1)
        self.drivers = [
            ProfileDriver(
                evse_id,
                profile,
                station_type,
                driver_rng,
                start_at,
                epoch,
                app_start=app_start,
                rate_schedule=rate_schedule,
            )
            for evse_id, driver_rng in zip(evse_ids, streams.drivers, strict=True)
        ]
        faults = profile.faults
        self.outages = FaultProcess(
            faults.outages_per_station_day, faults.outage_duration_s, streams.outages, start_at
        )
        self.connector_faults = {
            evse_id: FaultProcess(
                faults.connector_faults_per_evse_day, faults.connector_fault_duration_s, fault_rng, start_at
            )
            for evse_id, fault_rng in zip(evse_ids, streams.connector_faults, strict=True)
        }
        self._lock_failure_rngs = streams.lock_failures
        self.lock_failures = 0  # visits whose connector lock failed
        self.data_transfers = StationDataTransfers(profile.data_transfer, streams.data_transfers, start_at)
        set_sampling_intervals(
            self.station, profile.ocpp.tx_updated_interval_s, profile.ocpp.aligned_data_interval_s
        )
        self._behaviour_at = self._behaviour_deadline()
        self._drivers_acted = False  # a driver step ran since the last behaviour_events()

    # --- what the shell asks the behaviour -------------------------------------------------------

    @property
    def behaviour(self) -> ProfileStation:
        return self

    def offline_until(self, now: float) -> float | None:
        """During a connectivity outage, when it ends: the shell drops the connection now and does
        not reconnect before then. None: no outage at ``now``."""
        return self.outages.active_until(now)

    def behaviour_events(self) -> list[RemoteStartWanted]:
        wanted: list[RemoteStartWanted] = []
        if not self._drivers_acted:  # asked after every input; drivers only ask in their steps
            return wanted
        self._drivers_acted = False
        for driver in self.drivers:
            if driver.wants_remote_start:
                wanted += driver.behaviour_events()
        return wanted

    # --- timers (the rest of the shell API is StationShell's) ----------------------------------

    def next_deadline(self) -> float | None:
        earliest = self.station.next_deadline()
        at = self._behaviour_at
        if at is not None and (earliest is None or at < earliest):
            earliest = at
        return earliest

    def refresh_behaviour_deadline(self) -> None:
        """A driver was held or released from outside a step (a person at the station)."""
        self._behaviour_at = self._behaviour_deadline()

    def _behaviour_deadline(self) -> float | None:
        """The next driver step, outage or connector-fault change. They only move in
        ``handle_timer``, so it is computed there, not on every ``next_deadline``."""
        earliest = self.outages.next_change()
        at = self.data_transfers.next_at
        if at is not None and (earliest is None or at < earliest):
            earliest = at
        for driver in self.drivers:
            at = driver.next_deadline()
            if at is not None and (earliest is None or at < earliest):
                earliest = at
        for process in self.connector_faults.values():
            at = process.next_change()
            if at is not None and (earliest is None or at < earliest):
                earliest = at
        return earliest

    def handle_timer(self, now: float) -> None:
        # nothing of the behaviour is due (most wake-ups are the station's own timers): only an
        # outage, a fault or a driver due by now can change, so the cached deadline stays right
        if self._behaviour_at is not None and self._behaviour_at <= now:
            self.outages.advance(now)  # offline_until reads the outage; the shell acts on it
            for _ in range(_MAX_STEPS_PER_CALL):
                due = self._earliest_due(now)
                if due is None:
                    break
                at, kind, evse_id = due
                if kind == _FAULT:
                    for when, faulted in self.connector_faults[evse_id].advance(at):
                        self.station.set_connector_faulted(evse_id, faulted, when)
                elif kind == _DRIVER:
                    self._drive(evse_id, at)
                else:
                    self.data_transfers.fire(at, self.station)
            self._behaviour_at = self._behaviour_deadline()
        self.station.handle_timer(now)

    def _drive(self, evse_id: int, at: float) -> None:
        """The driver's step due at ``at``; a driver who arrived and stays may meet a lock failure
        (``faults.lock_failures_per_session``): the lock fails when the session would start."""
        driver = self.drivers[evse_id - 1]
        arriving = driver.phase == "away"
        driver.handle_timer(at, self.station)
        self._drivers_acted = True
        share = self.profile.faults.lock_failures_per_session
        stays = arriving and driver.phase != "away"
        if stays and share > 0.0 and self._lock_failure_rngs[evse_id - 1].random() < share:
            self.station.fail_next_lock(evse_id)
            self.lock_failures += 1

    def _earliest_due(self, now: float) -> tuple[float, int, int] | None:
        """(time, kind, EVSE) of the earliest driver step, connector-fault change or DataTransfer
        due by ``now``; faults first on a tie, so a driver arriving at that instant finds the
        connector faulted."""
        earliest: tuple[float, int, int] | None = None
        at = self.data_transfers.next_at
        if at is not None and at <= now:
            earliest = (at, _DATA_TRANSFER, 0)
        for evse_id, process in self.connector_faults.items():
            at = process.next_change()
            if at is not None and at <= now:
                candidate = (at, _FAULT, evse_id)
                if earliest is None or candidate < earliest:
                    earliest = candidate
        for driver in self.drivers:
            at = driver.next_deadline()
            if at is not None and at <= now:
                candidate = (at, _DRIVER, driver.evse_id)
                if earliest is None or candidate < earliest:
                    earliest = candidate
        return earliest


def build_profile_fleet(
    profile: Profile,
    count: int,
    id_for: Callable[[int], str],
    seed: int,
    start_at: float,
    epoch: float,
    app_start: bool = False,
    indices: range | None = None,
) -> list[ProfileStation]:
    """``count`` stations of the profile's mix (exact shares), station ``i`` named ``id_for(i)``;
    the same seed gives the same fleet. ``indices``: build only those stations of it (a shard),
    each the same as in the whole fleet."""
    types, seeds = profile_fleet_plan(profile, count, seed)
    return [
        ProfileStation(
            id_for(index),
            profile,
            types[index],
            random.Random(seeds[index]),
            start_at=start_at,
            epoch=epoch,
            app_start=app_start,
        )
        for index in (range(count) if indices is None else indices)
    ]


def profile_fleet_plan(profile: Profile, count: int, seed: int) -> tuple[list[StationType], list[int]]:
    """(station type, random seed) of each of the ``count`` stations of a profile fleet: what
    ``build_profile_fleet`` builds, and what the session model of ``fleet simulate`` draws from,
    so both models simulate the same stations with the same random streams."""
    master = random.Random(seed)
    types = station_types_for(profile, count, random.Random(master.getrandbits(64)))
    return types, [master.getrandbits(64) for _ in types]
