"""One station's life in the trio shell: connect, pump frames and timers, reconnect with backoff.

One task per station. This task waits on ``get_message`` with the station's next deadline as a
cancel deadline; with the lean transport (the default) that wait reads the socket itself, so a
station costs one task in all (trio-websocket adds a reader task and a channel per connection).
"""

from __future__ import annotations

import random
import ssl
from collections.abc import Callable
from typing import Any

import trio
import trio_websocket

from fleet.behaviour import SpeedClock
from fleet.connection import BehaviourEventHandler, Ended, Recorder, report_events
from fleet.engine._capture import FrameCapture
from fleet.engine._clock import trio_speed_clock
from fleet.engine._config import FleetConfig
from fleet.engine._connect import open_station_websocket
from fleet.engine._connection_errors import SubprotocolRefused, classify_connect_error
from fleet.engine._drain import Drain
from fleet.engine._identities import StationIdentity
from fleet.engine._lean_websocket import StationWebSocket
from fleet.engine._protocol import ShellStation
from fleet.engine._security import SECURITY_EVENTS, StationCredentials
from fleet.ocpp import RemoteProtocolError, v201
from fleet.station import (
    LazyRandom,
)

_CONNECT_ERRORS = (
    trio_websocket.HandshakeError,
    trio_websocket.ConnectionClosed,
    SubprotocolRefused,
    OSError,
    ssl.SSLError,
    trio.TooSlowError,
    trio.BrokenResourceError,  # a TLS handshake the CSMS refused
)


class FirstAttempt:
    """Outcome of the very first connection attempt of the fleet (the reachability probe)."""

    def __init__(self) -> None:
        self.done = trio.Event()
        self.error: tuple[str, str] | None = None

    def report(self, error: tuple[str, str] | None) -> None:
        if not self.done.is_set():
            self.error = error
            self.done.set()


def _leaf(exc: BaseException) -> BaseException:
    """trio-websocket may wrap a connect failure in an exception group: find the real cause."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class StationRunner:
    def __init__(
        self,
        station_id: str,
        station: ShellStation,
        config: FleetConfig,
        recorder: Recorder,
        rng: random.Random | LazyRandom,  # the reconnect jitter
        capture: FrameCapture | None = None,
        first_attempt: FirstAttempt | None = None,
        clock: SpeedClock | None = None,
        on_behaviour_event: BehaviourEventHandler | None = None,
        *,
        local_address: str | None = None,  # source IP to connect from (spreads ephemeral ports)
        identity: StationIdentity | None = None,  # credentials (security profiles 1-3)
    ) -> None:
        self.station_id = station_id
        self.station = station
        self._config = config
        self._recorder = recorder
        self._rng = rng
        self._capture = capture
        self._first_attempt = first_attempt
        self._url = config.station_url(station_id)
        self._connected = False
        self._booted_once = False
        self._clock = clock if clock is not None else trio_speed_clock()
        self._on_behaviour_event = on_behaviour_event
        self._local_address = local_address
        core = getattr(station, "station", station)  # the OCPP core inside a behaviour shell
        self._core: ShellStation = core
        self._drain: Drain | None = None  # set when the run ends: flush, make no new work
        self._wait_scope: trio.CancelScope | None = None  # the pump's wait, to wake it for the drain
        self._credentials = StationCredentials(
            config.security, identity if identity is not None else StationIdentity(station_id), core
        )
        self._report_security_event: Callable[[str, float, str], None] | None = getattr(
            core, "report_security_event", None
        )
        self._security_events_reported: set[str] = set()  # once per failure streak, not per retry
        # optional parts of the shell API (ProfileStation has them, a bare Station not)
        self._offline_until: Callable[[float], float | None] | None = getattr(station, "offline_until", None)
        self._behaviour_events: Callable[[], list[Any]] | None = getattr(station, "behaviour_events", None)
        # the station's OCPP version decides the WebSocket subprotocol (2.0.1 when it does not say)
        self._subprotocol: str = getattr(station, "subprotocol", v201.SUBPROTOCOL)

    async def run(self) -> None:
        """Run until cancelled: the station keeps simulating while offline."""
        attempt = 0
        while True:
            ended = Ended.FAILED
            try:
                ended = await self._connect_and_pump()
                attempt = 0
            except _CONNECT_ERRORS as exc:
                self._connection_failed(exc)
            except BaseExceptionGroup as group:
                leaf = _leaf(group)
                if not isinstance(leaf, _CONNECT_ERRORS):
                    raise
                self._connection_failed(leaf)
            real_now = trio.current_time()
            now = self._clock.to_sim(real_now)
            if self._connected:
                self._connected = False
                self.station.disconnected(now)
                self._recorder.station_disconnected()
                self._drain_events(now)
            if self._drain is not None:
                self._drain.leave(self.station_id)  # no reconnecting once the run is ending
                await trio.sleep_forever()
            attempt += 1
            self._recorder.reconnect()
            if ended is Ended.RECONNECT:
                resume_at = real_now
            elif ended is Ended.REBOOT:
                resume_at = real_now + self._config.reboot_delay_s
            elif ended is Ended.OUTAGE:
                resume_at = self._clock.to_real(self._outage_end(now))
            else:
                resume_at = real_now + self._config.backoff.delay(attempt, self._rng.random())
            await self._run_offline_until(resume_at)

    def calls_waiting(self) -> int:
        """The station's send-queue depth (0 for a shell that does not tell)."""
        waiting: int = getattr(self.station, "calls_waiting", 0)
        return waiting

    def calls_unanswered(self) -> int:
        """CALLs queued or in flight (the send-queue depth for a shell that does not tell)."""
        unanswered: int | None = getattr(self._core, "calls_unanswered", None)
        return self.calls_waiting() if unanswered is None else unanswered

    def begin_drain(self, drain: Drain) -> bool:
        """The run ends: stop the behaviour, keep flushing; True when connected (takes part)."""
        self._drain = drain
        stop: Callable[[float], None] | None = getattr(self._core, "stop_behaviour", None)
        if stop is not None:
            stop(self._clock.now())
        if self._wait_scope is not None:
            self._wait_scope.cancel()  # the pump may be waiting for a deadline that is gone now
        return self._connected

    def _timers(self) -> ShellStation:
        """Whose timers run: the shell's (driver steps, outages), or only the core's once draining."""
        return self.station if self._drain is None else self._core

    def _connection_failed(self, exc: BaseException) -> None:
        kind, message = classify_connect_error(exc, self._url)
        event_type = SECURITY_EVENTS.get(kind)
        report = self._report_security_event
        if event_type and report and not self._connected and event_type not in self._security_events_reported:
            self._security_events_reported.add(event_type)
            report(event_type, self._clock.now(), message)
        if self._connected:
            kind, message = "connection_lost", f"{self.station_id}: connection lost ({message})"
        self._recorder.error(kind, message)
        if self._first_attempt is not None:
            self._first_attempt.report((kind, message))

    def _outage_end(self, now: float) -> float:
        """Simulated time a connectivity outage the behaviour asked for ends (now if none)."""
        until = self._offline_until(now) if self._offline_until is not None else None
        return now if until is None else max(now, until)

    async def _connect_and_pump(self) -> Ended:
        """Connect, then pump until the connection ends; say why it ended."""
        async with open_station_websocket(
            self._url,
            [self._subprotocol],
            local_address=self._local_address,
            connect_timeout=self._config.connect_timeout_s,
            disconnect_timeout=self._config.close_timeout_s,
            ssl_context=self._credentials.tls_context(self._url),
            extra_headers=self._credentials.headers(),
            transport=self._config.transport,
        ) as ws:
            if ws.subprotocol != self._subprotocol:
                raise SubprotocolRefused(
                    f"the CSMS did not accept subprotocol {self._subprotocol!r} "
                    f"(it selected {ws.subprotocol!r}); does this endpoint speak that OCPP version?"
                )
            if self._first_attempt is not None:
                self._first_attempt.report(None)
            self._security_events_reported.clear()
            try:
                return await self._pump(ws)
            finally:
                # a clean close frame even when the run is being cancelled, bounded in time
                with trio.CancelScope(shield=True), trio.move_on_after(self._config.close_timeout_s):
                    await ws.aclose()

    async def _pump(self, ws: StationWebSocket) -> Ended:
        station = self.station
        clock = self._clock
        now = clock.now()
        self._connected = True
        self._recorder.station_connected()
        station.connected(now)
        await self._flush(ws, now)
        while True:
            deadline = self._timers().next_deadline()
            message: str | bytes | None = None
            waiting_since = trio.current_time()
            with trio.move_on_at(clock.to_real(deadline)) as self._wait_scope:
                message = await ws.get_message()
            self._wait_scope = None
            now = clock.now()
            if message is not None:
                if self._capture is not None:
                    self._capture.received(now, self.station_id, message)
                try:
                    station.receive(message, now)
                except RemoteProtocolError as exc:
                    self._recorder.error(
                        "protocol_error",
                        f"{self.station_id}: CSMS sent {exc.error_code.value}: {exc.message}",
                    )
                if self._drain is not None:
                    self.begin_drain(self._drain)  # a CSMS request may have armed new work
            timers = self._timers()
            deadline = timers.next_deadline()
            real_now = trio.current_time()
            if deadline is not None and real_now >= (due := clock.to_real(deadline)):
                # lateness counts from when this task was free to run the timer: the event
                # loop's lag, not the time spent connecting or blocked in a send
                self._recorder.timer_fired(real_now - max(due, waiting_since))
                # due in real time; the sim/real round trip may leave `now` a hair before it
                now = max(now, deadline)
                timers.handle_timer(now)
            ending = self._drain_events(now)
            await self._flush(ws, now)
            if ending is not None:
                return ending
            if self._drain is not None:
                self._drain.update(self.station_id, self.calls_unanswered())
            elif self._offline_until is not None and self._offline_until(now) is not None:
                return Ended.OUTAGE

    async def _flush(self, ws: StationWebSocket, now: float) -> None:
        for frame in self.station.data_to_send():
            if self._capture is not None:
                self._capture.sent(now, self.station_id, frame)
            await ws.send_message(frame)

    async def _run_offline_until(self, until: float) -> None:
        """Keep the station's clock running while it is disconnected (drivers still charge).
        ``until`` is real time."""
        clock = self._clock
        while True:
            timers = self._timers()
            deadline = timers.next_deadline()
            waiting_since = trio.current_time()
            await trio.sleep_until(min(until, clock.to_real(deadline)))
            real_now = trio.current_time()
            now = clock.to_sim(real_now)
            timers = self._timers()  # the drain may have begun meanwhile
            if deadline is not None and real_now >= (due := clock.to_real(deadline)):
                self._recorder.timer_fired(real_now - max(due, waiting_since))
                now = max(now, deadline)
                timers.handle_timer(now)
                self._drain_events(now)
            if real_now >= until:
                return

    def _drain_events(self, now: float) -> Ended | None:
        """Record what the station reported; say if it wants the connection ended (and why)."""
        drain = self._drain
        if self._behaviour_events is not None:
            for wish in self._behaviour_events():
                if self._on_behaviour_event is not None and drain is None:
                    self._on_behaviour_event(self.station_id, wish)
        ending, self._booted_once = report_events(
            self.station.events(), self._recorder, self._clock.speed, drain, booted_once=self._booted_once
        )
        return ending
