"""StationUser: one Locust user is one charging station, on the connection core both shells share.

The station's connection is a ``fleet.connection.StationConnection`` (sans-IO: handshake, framing,
the station and its timers, close, backoff, reconnects, simulated outages and reboots), driven by
a ``SocketLink`` over a plain socket that Locust's gevent patching makes cooperative: the trio
engine's reactor, for one station in one greenlet. While disconnected the station keeps
simulating offline: drivers charge on and transaction events queue up.
"""

from __future__ import annotations

import random
import time
import weakref
from dataclasses import dataclass

from locust import User, constant, task
from locust.env import Environment
from locust.runners import WorkerRunner

from fleet.behaviour import Backoff, SpeedClock
from fleet.connection import ConnectionSettings, StationConnection, offers_deflate, station_credentials
from fleet.identity import (
    LOCUST_OPTIONS,
    ClientSecurity,
    StationIdentities,
    StationIdentity,
)
from fleet.locust._link import SocketLink
from fleet.locust._options import FleetOptions
from fleet.locust._reporting import EventReporter
from fleet.locust._stations import Shell, StationBuilder, StationIds


@dataclass(frozen=True, slots=True)
class _Fleet:
    """What the users of one process share for one set of options."""

    options: FleetOptions
    clock: SpeedClock
    builder: StationBuilder
    security: ClientSecurity
    identities: StationIdentities  # the credential patterns


_fleets: weakref.WeakKeyDictionary[Environment, _Fleet] = weakref.WeakKeyDictionary()
_station_ids: weakref.WeakKeyDictionary[Environment, StationIds] = weakref.WeakKeyDictionary()


def _fleet_for(environment: Environment) -> _Fleet:
    """The process's fleet for the current options; rebuilt when the web UI changed them."""
    options = FleetOptions.from_parsed(environment.parsed_options)
    fleet = _fleets.get(environment)
    if fleet is None or fleet.options != options:
        options.check_target(environment.host)  # the web UI may have changed host or options
        clock = SpeedClock(speed=options.speed, origin=time.monotonic())
        # the stations' wall clock: UTC now at the start, then running --fleet-speed times faster
        epoch = time.time() - clock.origin
        fleet = _fleets[environment] = _Fleet(
            options, clock, StationBuilder(options, epoch), options.security(), options.identities()
        )
    return fleet


def _worker_index(environment: Environment) -> int | None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return runner.worker_index
    return None


class StationUser(User):
    """One simulated station (its EVSEs and drivers) per user; ``--host`` is the CSMS base URL:
    station SIM-00042 connects to ``<host>/SIM-00042``."""

    wait_time = constant(0)
    connect_timeout_s = 10.0
    close_timeout_s = 1.0
    reboot_delay_s = 1.0  # how long a station takes to come back after a Reset
    backoff = Backoff()  # the trio engine's reconnect pattern (exponential, jittered)

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        fleet = _fleet_for(environment)
        self._fleet = fleet
        number, self.station_id = _station_ids.setdefault(environment, StationIds()).next(
            fleet.options.id_prefix, _worker_index(environment)
        )
        self.station: Shell = fleet.builder.build(self.station_id, fleet.clock.now())
        # password (Basic auth) and client certificate; the password follows SetVariables
        self._credentials = station_credentials(
            fleet.security,
            fleet.identities.with_credentials(StationIdentity(self.station_id), number),
            self.station,
        )
        self._reporter = EventReporter(
            environment.events.request.fire, fleet.options.version.request_type, self.station_id
        )
        self._link: SocketLink | None = None
        self._deflate = offers_deflate(number, fleet.options.deflate)

    @property
    def url(self) -> str:
        if not self.host:
            raise ValueError("no CSMS URL: give --host ws://host:port/path (or fill Host in the web UI)")
        return f"{self.host.rstrip('/')}/{self.station_id}"

    @task
    def run_station(self) -> None:
        """The station's whole life; Locust ends it by killing the greenlet (then ``on_stop``)."""
        fleet = self._fleet
        settings = ConnectionSettings(
            fleet.clock,
            connect_timeout_s=self.connect_timeout_s,
            close_timeout_s=self.close_timeout_s,
            reboot_delay_s=self.reboot_delay_s,
            backoff=self.backoff,
            option_names=LOCUST_OPTIONS,  # the fixes errors name, as Locust's options
        )
        conn = StationConnection(
            self.station_id,
            self.station,
            self.url,
            settings,
            self._reporter,
            random.Random(f"{fleet.options.seed}/backoff/{self.station_id}"),
            self._credentials,
            where=self.host,  # the errors name the CSMS, not the station's URL: Locust groups them
            deflate=self._deflate,
        )
        self._link = SocketLink(
            conn,
            self._reporter,
            connect_timeout_s=self.connect_timeout_s,
            close_timeout_s=self.close_timeout_s,
        )
        self._link.run()

    def on_stop(self) -> None:
        # stopping is not a failure: close politely, and report nothing the stop itself causes
        link, self._link = self._link, None
        if link is not None:
            link.stop()
