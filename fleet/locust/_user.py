"""StationUser: one Locust user is one charging station, driven like the trio engine drives it.

The greenlet loop is the trio runner's, on gevent: wait for a frame with the station's next
deadline as the timeout, feed it to the sans-IO core, fire due timers, write what the core wants
sent, report its events. While disconnected (backoff, a simulated outage, a reboot) the station
keeps simulating offline: drivers charge on and transaction events queue up.
"""

from __future__ import annotations

import enum
import random
import time
import weakref
from dataclasses import dataclass

import gevent
from locust import User, constant, task
from locust.env import Environment
from locust.runners import WorkerRunner

from fleet.behaviour import Backoff, SpeedClock
from fleet.identity import ClientSecurity, StationCredentials, StationIdentities, StationIdentity
from fleet.locust._options import FleetOptions
from fleet.locust._reporting import EventReporter
from fleet.locust._stations import Shell, StationBuilder, StationIds
from fleet.locust._websocket import ConnectionClosed, WebSocketClient, WebSocketError, describe_error
from fleet.ocpp import RemoteProtocolError

_CONNECT_ERRORS = (WebSocketError, OSError)  # OSError covers refused, DNS, TLS and timeouts


class _ConnectFailed(Exception):
    """A connection attempt failed (already reported to Locust)."""


class _Ended(enum.Enum):
    FAILED = "failed"  # could not connect, or the connection broke
    REBOOT = "reboot"  # the station reset itself
    OUTAGE = "outage"  # the behaviour simulates a connectivity outage


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
        self._clock = fleet.clock
        self._options = fleet.options
        prefix = fleet.options.id_prefix
        number, self.station_id = _station_ids.setdefault(environment, StationIds()).next(
            prefix, _worker_index(environment)
        )
        self.station: Shell = fleet.builder.build(self.station_id, self._clock.now())
        # password (Basic auth) and client certificate; the password follows SetVariables
        self._credentials = StationCredentials(
            fleet.security,
            fleet.identities.with_credentials(StationIdentity(self.station_id), number),
            self.station.station,
        )
        self._rng = random.Random(f"{fleet.options.seed}/backoff/{self.station_id}")
        self._reporter = EventReporter(
            environment.events.request.fire,
            fleet.options.version.request_type,
            fleet.options.speed,
            self.station_id,
        )
        self._ws: WebSocketClient | None = None

    @property
    def url(self) -> str:
        if not self.host:
            raise ValueError("no CSMS URL: give --host ws://host:port/path (or fill Host in the web UI)")
        return f"{self.host.rstrip('/')}/{self.station_id}"

    @task
    def run_station(self) -> None:
        """The station's whole life; Locust ends it by killing the greenlet (then ``on_stop``)."""
        attempt = 0
        while True:
            ended = _Ended.FAILED
            try:
                ended = self._connect_and_pump()
                attempt = 0
            except _ConnectFailed:
                pass  # reported; back off longer with every failed attempt
            except ConnectionClosed as exc:
                attempt = 0
                self._reporter.connection_lost(describe_error(exc))
            self._disconnected()
            real_now = time.monotonic()
            attempt += 1
            if ended is _Ended.REBOOT:
                resume_at = real_now + self.reboot_delay_s
            elif ended is _Ended.OUTAGE:
                resume_at = self._clock.to_real(self._outage_end(self._clock.now()))
            else:
                resume_at = real_now + self._backoff(attempt)
            self._run_offline_until(resume_at)

    def on_stop(self) -> None:
        # stopping is not a failure: close politely, and report nothing the stop itself causes
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close(self.close_timeout_s)
            self.station.disconnected(self._clock.now())

    # --- connection ---------------------------------------------------------------------------

    def _connect_and_pump(self) -> _Ended:
        url = self.url
        started = time.monotonic()
        try:
            ws = WebSocketClient(
                url,
                self._options.version.subprotocol,
                connect_timeout=self.connect_timeout_s,
                tls_context=self._credentials.tls_context(url),  # a certificate file may not load
                headers=self._credentials.headers(),
            )
            ws.connect()
        except _CONNECT_ERRORS as exc:
            self._reporter.connect_failed(
                (time.monotonic() - started) * 1000.0, f"{self.host}: {describe_error(exc)}"
            )
            raise _ConnectFailed from exc
        self._reporter.connected((time.monotonic() - started) * 1000.0)
        self._ws = ws
        try:
            return self._pump(ws)
        except OSError as exc:
            raise ConnectionClosed(describe_error(exc)) from exc

    def _pump(self, ws: WebSocketClient) -> _Ended:
        station = self.station
        clock = self._clock
        station.connected(clock.now())
        self._flush(ws)
        while True:
            deadline = clock.to_real(station.next_deadline())
            message = ws.receive(None if deadline == float("inf") else deadline - time.monotonic())
            now = clock.now()
            rebooting = False
            if message is not None:
                try:
                    station.receive(message, now)
                except RemoteProtocolError as exc:
                    self._reporter.protocol_error(f"CSMS sent {exc.error_code.value}: {exc.message}")
                rebooting = self._reporter.station_events(station.events(), len(message))
            sim_deadline = station.next_deadline()
            if sim_deadline is not None and time.monotonic() >= clock.to_real(sim_deadline):
                # due in real time; the sim/real round trip may leave `now` a hair before it
                station.handle_timer(max(now, sim_deadline))
            rebooting = self._reporter.station_events(station.events()) or rebooting
            self._flush(ws)
            if rebooting:
                return _Ended.REBOOT
            if self._outage_end(now) > now:
                return _Ended.OUTAGE

    def _flush(self, ws: WebSocketClient) -> None:
        for frame in self.station.data_to_send():
            ws.send(frame)

    def _disconnected(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close(self.close_timeout_s)
            self.station.disconnected(self._clock.now())
            self._reporter.station_events(self.station.events())

    # --- offline ------------------------------------------------------------------------------

    def _outage_end(self, now: float) -> float:
        """Simulated time a connectivity outage the behaviour asked for ends (``now`` if none)."""
        offline_until = getattr(self.station, "offline_until", None)
        until = offline_until(now) if offline_until is not None else None
        return now if until is None else max(now, until)

    def _backoff(self, attempt: int) -> float:
        return self.backoff.delay(attempt, self._rng.random())

    def _run_offline_until(self, until: float) -> None:
        """Keep the station's clock running while disconnected; ``until`` is real (monotonic) time."""
        station = self.station
        clock = self._clock
        while True:
            deadline = station.next_deadline()
            gevent.sleep(max(0.0, min(until, clock.to_real(deadline)) - time.monotonic()))
            real_now = time.monotonic()
            if deadline is not None and real_now >= clock.to_real(deadline):
                station.handle_timer(max(clock.to_sim(real_now), deadline))
                self._reporter.station_events(station.events())
            if real_now >= until:
                return
