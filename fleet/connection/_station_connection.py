"""One station's connection as both shells drive it: sans-IO, like the station core inside it.

A ``StationConnection`` owns the station (its OCPP core and behaviour), the WebSocket handshake
and framing, the station's timers, and the connection's life: connect, upgrade, pump, close,
back off, reconnect, simulate offline, drain. It touches no socket and reads no clock. The shell
(the trio reactor, or a greenlet under Locust) moves bytes and time in and out:

    conn.wants_transport             -> open TCP (+TLS), then conn.transport_open(now) or
                                        conn.transport_failed(exc, now)
    conn.receive_data(data, now)     <- bytes read from the socket
    conn.transport_eof(now)          <- the peer closed TCP
    conn.data_to_send()              -> bytes to write (handshake request, frames, close frames)
    conn.wants_close                 -> close the socket, then conn.transport_closed(now)
    conn.next_wakeup() / wakeup(now) <- timers: the station's, connect and close timeouts, backoff;
                                        call wakeup whenever now >= next_wakeup(), also right
                                        after input (receive_data runs no timer itself)

Every time is real (the shell's clock); the station sees simulated time through ``clock``.
"""

from __future__ import annotations

import enum
import math
import random
import ssl

from fleet.behaviour import Backoff, SpeedClock
from fleet.connection._deflate import DEFLATE_OFFER, MessageDeflater, negotiated_deflate
from fleet.connection._errors import (
    CONNECTION_LOST,
    PROTOCOL_ERROR,
    SERVER_CERTIFICATE,
    ConnectTimeout,
    PeerClosed,
    StationClosed,
    classify_error,
    without_station,
)
from fleet.connection._events import Ended, report_events
from fleet.connection._framing import ClientFramer, DeflateFramer
from fleet.connection._handshake import SubprotocolRefused, UpgradeAnswer, upgrade_request
from fleet.connection._observer import (
    BehaviourEventHandler,
    DrainSink,
    FirstAttemptHandler,
    FrameSink,
    LatenessSink,
    Recorder,
)
from fleet.connection._target import parse_websocket_url
from fleet.identity import RUN_OPTIONS, OptionNames, StationCredentials
from fleet.ocpp import RemoteProtocolError
from fleet.station import (
    LazyRandom,
    ShellStation,
)

# connection failures the station core reports as an OCPP security event (2.0.1 appendix 1:
# the critical ones, which the station must push to the CSMS once it is connected again)
SECURITY_EVENTS = {SERVER_CERTIFICATE: "InvalidCsmsCertificate"}


class Phase(enum.Enum):
    OFFLINE = "offline"  # no connection; reconnects at resume_at
    CONNECT_DUE = "connect_due"  # the shell is to open a transport now (wants_transport)
    CONNECTING = "connecting"  # the shell is opening TCP (+TLS)
    UPGRADING = "upgrading"  # the upgrade request is sent; waiting for the 101
    OPEN = "open"
    CLOSING = "closing"  # our close frame is out; waiting for the peer's (bounded)
    STOPPED = "stopped"  # the run is ending and this station is offline: no more connects


class ConnectionSettings:
    """What every connection of a fleet shares (one object per fleet, not per station)."""

    __slots__ = (
        "backoff",
        "clock",
        "close_timeout_s",
        "connect_timeout_s",
        "option_names",
        "reboot_delay_s",
        "timer_lateness",
    )

    def __init__(
        self,
        clock: SpeedClock,
        *,
        connect_timeout_s: float = 10.0,
        close_timeout_s: float = 2.0,
        reboot_delay_s: float = 1.0,
        backoff: Backoff | None = None,
        timer_lateness: LatenessSink | None = None,  # None: each timer reports to the recorder
        option_names: OptionNames = RUN_OPTIONS,  # how the shell spells the fixes errors name
    ) -> None:
        self.option_names = option_names
        self.clock = clock
        self.timer_lateness = timer_lateness
        self.connect_timeout_s = connect_timeout_s
        self.close_timeout_s = close_timeout_s
        self.reboot_delay_s = reboot_delay_s
        self.backoff = backoff if backoff is not None else Backoff()


class StationConnection:
    __slots__ = (
        "_answer",
        "_attempt",
        "_behaviour_events",
        "_booted_once",
        "_capture",
        "_connected",
        "_core",
        "_credentials",
        "_deflate",
        "_drain",
        "_ended",
        "_first_attempt",
        "_framer",
        "_offline_until",
        "_on_behaviour_event",
        "_output",
        "_phase_deadline",
        "_recorder",
        "_report_security_event",
        "_rng",
        "_security_events_reported",
        "_settings",
        "_stop_behaviour",
        "_subprotocol",
        "_where",
        "deflate_accepted",
        "phase",
        "station",
        "station_id",
        "url",
        "wants_close",
    )

    def __init__(
        self,
        station_id: str,
        station: ShellStation,
        url: str,
        settings: ConnectionSettings,
        recorder: Recorder,
        rng: random.Random | LazyRandom,  # the reconnect jitter
        credentials: StationCredentials,
        *,
        capture: FrameSink | None = None,
        first_attempt: FirstAttemptHandler | None = None,
        on_behaviour_event: BehaviourEventHandler | None = None,
        where: str | None = None,  # how error messages name the target (default: the URL without the id)
        deflate: bool = False,  # offer permessage-deflate in the upgrade
    ) -> None:
        parse_websocket_url(url)  # a bad URL fails here, naming it, not at the first connect
        # errors are grouped by their message: it names the CSMS, the station id goes on its own
        self._where = where if where is not None else url.removesuffix(f"/{station_id}")
        self.station_id = station_id
        self.station = station
        self.url = url
        self._settings = settings
        self._recorder = recorder
        self._rng = rng
        self._credentials = credentials
        self._capture = capture
        self._first_attempt = first_attempt
        self._deflate = deflate
        self.deflate_accepted = False  # the server accepted permessage-deflate (on some connect)
        self._on_behaviour_event = on_behaviour_event
        self._core = core = station.core  # the OCPP core inside a behaviour shell, or the station
        security = core.security
        self._report_security_event = security.report_security_event if security is not None else None
        self._stop_behaviour = core.stop_behaviour
        behaviour = station.behaviour
        # bound once: asked after every input
        self._offline_until = behaviour.offline_until if behaviour is not None else None
        self._behaviour_events = behaviour.behaviour_events if behaviour is not None else None
        self._subprotocol = station.subprotocol
        self._security_events_reported: set[str] = set()  # once per failure streak, not per retry
        self._answer: UpgradeAnswer | None = None
        self._framer: ClientFramer | None = None
        self._output = bytearray()
        self._drain: DrainSink | None = None
        self._connected = False
        self._booted_once = False
        self._attempt = 0
        self._ended = Ended.FAILED
        self._phase_deadline = math.inf  # connect timeout, close timeout or reconnect time (real)
        self.phase = Phase.CONNECT_DUE
        self.wants_close = False

    # --- what the shell asks ----------------------------------------------------------------

    @property
    def wants_transport(self) -> bool:
        return self.phase is Phase.CONNECT_DUE

    @property
    def connected(self) -> bool:
        """The WebSocket is open and the station knows it."""
        return self._connected

    @property
    def subprotocol(self) -> str:
        return self._subprotocol

    def data_to_send(self) -> bytes:
        if not self._output:
            return b""
        data = bytes(self._output)
        self._output.clear()
        return data

    def next_wakeup(self) -> float:
        """Real time of the next thing to do without input (inf: nothing)."""
        if self.phase is Phase.STOPPED:
            return math.inf
        deadline = (self.station if self._drain is None else self._core).next_deadline()
        if deadline is None:
            return self._phase_deadline
        due = self._settings.clock.to_real(deadline)
        return due if due < self._phase_deadline else self._phase_deadline

    def calls_waiting(self) -> int:
        return self.station.calls_waiting

    def calls_unanswered(self) -> int:
        """CALLs queued or in flight."""
        return self._core.calls_unanswered

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context to open this wss:// URL with; OSError/ssl.SSLError when the station's
        certificate or key cannot be loaded."""
        context = self._credentials.tls_context(self.url)
        if context is None:
            raise ValueError(f"{self.url!r}: TLS asked for a URL that is not wss://")
        return context

    # --- transport events --------------------------------------------------------------------

    def transport_opening(self, now: float) -> None:
        """The shell begins to open TCP (+TLS) for the upgrade."""
        self.phase = Phase.CONNECTING
        self._phase_deadline = now + self._settings.connect_timeout_s

    def transport_open(self, now: float) -> None:
        """TCP (+TLS) is up: send the upgrade request."""
        target = parse_websocket_url(self.url)
        headers = self._credentials.headers()
        if self._deflate:
            headers = [*(headers or ()), (b"Sec-WebSocket-Extensions", DEFLATE_OFFER)]
        request, accept = upgrade_request(target, [self._subprotocol], headers)
        self._answer = UpgradeAnswer(accept, [self._subprotocol])
        self._output += request
        self.phase = Phase.UPGRADING

    def receive_data(self, data: bytes | bytearray, now: float) -> None:
        phase = self.phase
        if phase is Phase.OPEN or phase is Phase.CLOSING:
            self._frames_received(data, now)
        elif phase is Phase.UPGRADING:
            self._answer_received(data, now)

    def transport_eof(self, now: float) -> None:
        """The peer closed the TCP connection (read returned no bytes)."""
        phase = self.phase
        if phase is Phase.UPGRADING:
            assert self._answer is not None
            self.transport_failed(self._answer.eof(), now)
        elif phase is Phase.OPEN:
            self.transport_failed(PeerClosed("the peer closed the TCP connection without a close frame"), now)
        elif phase is Phase.CLOSING:
            self.wants_close = True

    def transport_failed(self, exc: BaseException, now: float) -> None:
        """Connecting failed, or the open connection broke (socket, TLS or handshake error)."""
        if self.phase in (Phase.CONNECTING, Phase.UPGRADING, Phase.OPEN):
            self._report_failure(exc, now)
            self._end(Ended.FAILED, now)
        self.wants_close = True

    def transport_closed(self, now: float) -> None:
        """The shell closed the socket (after ``wants_close``, or at the end of the run)."""
        self.wants_close = False
        self._framer = None
        self._answer = None
        self._output.clear()
        if self._connected:  # closed under us without an end decision (the run stops)
            self._disconnect(now)
        if self.phase is Phase.STOPPED or self._ended is Ended.STOP:
            self.phase, self._phase_deadline = Phase.STOPPED, math.inf
            return
        if self._drain is not None:
            self._drain.leave(self.station_id)  # no reconnecting once the run is ending
            self.phase, self._phase_deadline = Phase.STOPPED, math.inf
            return
        self.phase = Phase.OFFLINE
        self._phase_deadline = self._resume_at(now)

    def wakeup(self, now: float) -> None:
        """Run what is due at real time ``now``: phase timeouts, then the station's timers."""
        phase = self.phase
        if now >= self._phase_deadline:
            if phase is Phase.CONNECTING or phase is Phase.UPGRADING:
                self.transport_failed(ConnectTimeout(), now)
                return
            if phase is Phase.CLOSING:
                self._phase_deadline = math.inf
                self.wants_close = True
            elif phase is Phase.OFFLINE:
                self._reconnect_unless_in_outage(now)
        sim_now = self._run_timers(now, self._settings.clock.to_sim(now))
        if self.phase is Phase.OPEN:
            self._after_step(now, sim_now)
        else:
            self._report_events(sim_now)

    def _reconnect_unless_in_outage(self, now: float) -> None:
        """Time to connect again, unless the behaviour has the station offline: then at its end."""
        clock = self._settings.clock
        sim_now = clock.to_sim(now)
        until = self._offline_until(sim_now) if self._offline_until is not None else None
        if until is not None and until > sim_now:
            self._phase_deadline = clock.to_real(until)
            return
        self._phase_deadline = math.inf
        self.phase = Phase.CONNECT_DUE

    # --- the end of the run ------------------------------------------------------------------

    def begin_drain(self, drain: DrainSink, now: float) -> bool:
        """The run ends: stop the behaviour, keep flushing; True when connected (takes part)."""
        self._drain = drain
        self._halt_behaviour(self._settings.clock.to_sim(now))
        if self.phase in (Phase.OFFLINE, Phase.CONNECT_DUE):
            self.phase, self._phase_deadline = Phase.STOPPED, math.inf
        return self._connected

    def close(self, now: float) -> None:
        """The run stops: say goodbye with a close frame (the shell waits for ``wants_close``,
        bounded by its own timeout). Records no disconnect: the station did not lose anything."""
        self._ended = Ended.STOP
        if self.phase is Phase.OPEN:
            assert self._framer is not None
            self._output += self._framer.close()
            self._connected = False
            self.phase = Phase.CLOSING
            self._phase_deadline = now + self._settings.close_timeout_s
        elif self.phase in (Phase.CONNECTING, Phase.UPGRADING):
            self.wants_close = True
        if self.phase is not Phase.CLOSING:
            self.phase, self._phase_deadline = Phase.STOPPED, math.inf

    # --- inside ------------------------------------------------------------------------------

    def _timers(self) -> ShellStation:
        """Whose timers run: the shell's (driver steps, outages), or only the core's once draining."""
        return self.station if self._drain is None else self._core

    def _answer_received(self, data: bytes | bytearray, now: float) -> None:
        assert self._answer is not None
        try:
            accepted = self._answer.feed(bytes(data))
            if accepted is None:
                return
            if accepted.subprotocol != self._subprotocol:
                raise SubprotocolRefused(
                    f"the CSMS did not accept subprotocol {self._subprotocol!r} "
                    f"(it selected {accepted.subprotocol!r}); does this endpoint speak that OCPP version?"
                )
            deflate = negotiated_deflate(accepted.extensions, self._deflate)
        except Exception as exc:
            self.transport_failed(exc, now)
            return
        self._answer = None
        if deflate is not None:
            self.deflate_accepted = True
        self._open(now, DeflateFramer(MessageDeflater(deflate)) if deflate is not None else ClientFramer())
        if accepted.rest:
            self._frames_received(accepted.rest, now)

    def _open(self, now: float, framer: ClientFramer) -> None:
        self._framer = framer
        self.phase = Phase.OPEN
        self._phase_deadline = math.inf
        self._attempt = 0
        if self._first_attempt is not None:
            self._first_attempt(None)
            self._first_attempt = None
        self._security_events_reported.clear()
        self._connected = True
        self._recorder.station_connected()
        sim_now = self._settings.clock.to_sim(now)
        self.station.connected(sim_now)
        # as after any step, but an outage or a reboot is acted on only after the next input or
        # timer: the first frames (boot, statuses) get their answers first
        ending = self._report_events(sim_now)
        self._flush(sim_now)
        if ending is not None:
            self._end_politely(ending, now)
        elif self._drain is not None:
            self._drain.update(self.station_id, self.calls_unanswered())

    def _frames_received(self, data: bytes | bytearray, now: float) -> None:
        framer = self._framer
        assert framer is not None
        messages = framer.receive(data)
        if self.phase is Phase.CLOSING:  # whatever precedes the peer's close frame is dropped
            if framer.close_received:
                self.wants_close = True
            return
        sim_now = self._settings.clock.to_sim(now)
        if messages:
            station = self.station
            capture = self._capture
            for message in messages:
                if capture is not None:
                    capture.received(sim_now, self.station_id, message)
                try:
                    station.receive(message, sim_now)
                except RemoteProtocolError as exc:
                    self._recorder.error(
                        PROTOCOL_ERROR,
                        without_station(
                            f"refused a frame from the CSMS ({exc.error_code.value}): {exc.message}",
                            self.station_id,
                        ),
                        station_id=self.station_id,
                        at_s=now - self._settings.clock.origin,
                    )
            if self._drain is not None:
                self._halt_behaviour(sim_now)  # a CSMS request may have armed new work
        closed = framer.closed
        if closed is not None:
            self._output += framer.take_output()
            if closed.by_peer:
                reason = f"code {closed.code}" + (f", {closed.reason}" if closed.reason else "")
                self.transport_failed(PeerClosed(reason), now)
            else:  # the CSMS broke the WebSocket protocol: the station sent the close frame
                self.transport_failed(StationClosed(f"{closed.reason} ({closed.code})"), now)
            return
        pending = framer.take_output()
        if pending:
            self._output += pending
        self._after_step(now, sim_now)

    def _halt_behaviour(self, sim_now: float) -> None:
        """The run is ending: no driver steps, heartbeats or meter values from now on."""
        self._stop_behaviour(sim_now)

    def _run_timers(self, now: float, sim_now: float) -> float:
        """Run the station's timers if due at real time ``now``; the simulated time the step is at
        from then on (a deadline due in real time may be a hair after ``sim_now``: the sim/real
        round trip)."""
        timers = self._timers()
        deadline = timers.next_deadline()
        if deadline is None:
            return sim_now
        due = self._settings.clock.to_real(deadline)
        if now < due:
            return sim_now
        lateness = self._settings.timer_lateness
        if lateness is not None:
            lateness.record(now - due)
        else:
            self._recorder.timer_fired(now - due)
        sim_now = max(sim_now, deadline)
        timers.handle_timer(sim_now)
        return sim_now

    def _after_step(self, now: float, sim_now: float) -> None:
        """After input or timers on an open connection: report, flush, maybe end."""
        ending = self._report_events(sim_now)
        self._flush(sim_now)
        if ending is not None:
            self._end_politely(ending, now)
        elif self._drain is not None:
            self._drain.update(self.station_id, self.calls_unanswered())
        elif self._offline_until is not None and self._offline_until(sim_now) is not None:
            self._end_politely(Ended.OUTAGE, now)

    def _flush(self, sim_now: float) -> None:
        frames = self.station.data_to_send()
        if not frames:
            return
        framer = self._framer
        assert framer is not None
        capture = self._capture
        for frame in frames:
            if capture is not None:
                capture.sent(sim_now, self.station_id, frame)
            self._output += framer.send_text(frame)

    def _end_politely(self, ended: Ended, now: float) -> None:
        """End an open connection by our choice: close frame, then wait for the peer's."""
        assert self._framer is not None
        self._end(ended, now)
        self._output += self._framer.close()
        self.phase = Phase.CLOSING
        self._phase_deadline = now + self._settings.close_timeout_s

    def _end(self, ended: Ended, now: float) -> None:
        self._ended = ended
        if self._connected:
            self._disconnect(now)
        self.phase = Phase.CLOSING
        self._phase_deadline = math.inf

    def _disconnect(self, now: float) -> None:
        self._connected = False
        sim_now = self._settings.clock.to_sim(now)
        self.station.disconnected(sim_now)
        self._recorder.station_disconnected()
        self._report_events(sim_now)

    def _resume_at(self, now: float) -> float:
        """Real time of the next connect after a connection ended at ``now``."""
        self._attempt += 1
        self._recorder.reconnect()
        ended = self._ended
        self._ended = Ended.FAILED
        settings = self._settings
        if ended is Ended.RECONNECT:
            return now
        if ended is Ended.REBOOT:
            return now + settings.reboot_delay_s
        if ended is Ended.OUTAGE:
            clock = settings.clock
            sim_now = clock.to_sim(now)
            until = self._offline_until(sim_now) if self._offline_until is not None else None
            return clock.to_real(sim_now if until is None else max(sim_now, until))
        return now + settings.backoff.delay(self._attempt, self._rng.random())

    def _report_failure(self, exc: BaseException, now: float) -> None:
        settings = self._settings
        kind, message = classify_error(exc, self._where, settings.option_names)
        event_type = SECURITY_EVENTS.get(kind)
        report = self._report_security_event
        if event_type and report and not self._connected and event_type not in self._security_events_reported:
            self._security_events_reported.add(event_type)
            report(event_type, settings.clock.to_sim(now), message)
        message = without_station(message, self.station_id)
        if self._connected:
            kind, message = CONNECTION_LOST, f"connection lost ({message})"
        self._recorder.error(kind, message, station_id=self.station_id, at_s=now - settings.clock.origin)
        if self._first_attempt is not None:  # the first attempt ever: not connected before
            # the one line a user reads when the fleet cannot start names the station's own URL
            self._first_attempt(classify_error(exc, self.url, settings.option_names))
            self._first_attempt = None

    def _report_events(self, sim_now: float) -> Ended | None:
        """Record what the station reported; say if it wants the connection ended (and why)."""
        if self._behaviour_events is not None:
            wishes = self._behaviour_events()
            if wishes and self._on_behaviour_event is not None and self._drain is None:
                for wish in wishes:
                    self._on_behaviour_event(self.station_id, wish)
        events = self.station.events()
        if not events:
            return None
        ending, self._booted_once = report_events(
            events, self._recorder, self._settings.clock.speed, self._drain, booted_once=self._booted_once
        )
        return ending
