"""The trio shell around ``CsmsSession``: a websocket server with one task per station connection.

Hot path per message: get_message -> receive -> data_to_send -> send. Nothing is logged or
allocated per message beyond what the codec needs, so a single process can hold thousands of
stations.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import msgspec
import trio
from trio_websocket import (
    CloseReason,
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    WebSocketServer,
)

from fleet.csms._admission import Admission, AdmissionListener
from fleet.csms._auth_throttle import AuthThrottle
from fleet.csms._config import CsmsConfig
from fleet.csms._deflate_accept import accept_upgrade
from fleet.csms._errors import StationCallRefused, StationCallTimeout, StationNotConnected
from fleet.csms._events import CsmsCallError, CsmsCallResult, CsmsEvent, InternalFault, ProtocolViolation
from fleet.csms._faults import ActiveCsmsFaults, serve_with_crashes
from fleet.csms._ledger import Ledger
from fleet.csms._listen import open_shared_listener
from fleet.csms._live_view import LiveView
from fleet.csms._log_limiter import LogLimiter
from fleet.csms._metrics import CsmsMetrics
from fleet.csms._negotiation import SESSIONS
from fleet.csms._security import CsmsSecurity, TlsListener
from fleet.csms._session import CsmsSession
from fleet.csms._upgrade_gate import Refusal, UpgradeGate

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

# internal faults kept for inspection; there should be none, so a small cap is plenty
_MAX_FAULTS_KEPT = 100
_REPLACED_CLOSE_TIMEOUT_S = 5.0  # the replaced connection's closing handshake (it may be half-open)
# close codes that tell of a bad frame (RFC 6455 7.4.1): logged, with the station and its address
_FRAME_TROUBLE = {1002: "malformed frames", 1007: "malformed frames", 1009: "oversized frames"}


class _Waiter:
    __slots__ = ("done", "outcome")

    def __init__(self) -> None:
        self.done = trio.Event()
        self.outcome: CsmsCallResult | CsmsCallError | None = None


@dataclass(eq=False, slots=True)
class _Connection:
    station_id: str
    websocket: WebSocketConnection
    session: CsmsSession
    cancel_scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    call_lock: trio.Lock = field(default_factory=trio.Lock)
    waiters: dict[str, _Waiter] = field(default_factory=dict)
    closed: bool = False
    address: str = ""
    replaced: bool = False  # a newer connection of the same station id took over

    def close(self) -> None:
        """Wake every caller still waiting: their outcome stays None, meaning 'disconnected'."""
        self.closed = True
        for waiter in self.waiters.values():
            waiter.done.set()


class CsmsServer:
    """A running embedded CSMS. Obtain one with ``await nursery.start(serve_csms, config)``."""

    def __init__(
        self,
        config: CsmsConfig,
        host: str,
        port: int,
        registry: CollectorRegistry | None = None,
        security: CsmsSecurity | None = None,
        live: LiveView | None = None,
    ) -> None:
        self.config = config
        self.live = live  # what the live console shows (None: no console, no observer)
        self.security = security  # None: anyone may connect over ws://
        self.tls: TlsListener | None = None
        self.host = host
        self.port = port
        self.ledger = Ledger(config.ledger_out)  # ledger_out: one JSON line per stored message
        self.internal_faults: list[InternalFault] = []
        self._connections: dict[str, _Connection] = {}
        self.peer_addresses: dict[str, str] = {}  # station id -> source IP of its latest connection
        self.log = LogLimiter()
        self.admission = Admission(config.max_pending_upgrades, config.handshake_timeout_s)
        throttle = AuthThrottle(config.auth_failure_limit, config.auth_failure_window_s)
        self.gate = UpgradeGate(security, throttle, self.log)
        self._rng = random.Random(config.seed)
        # currentTime must be wall-clock time while the shell's clock is trio's
        self._epoch_offset = time.time() - trio.current_time()
        self._stations_changed = trio.Event()
        self._answers_held_until = -math.inf
        self._service_queue = trio.Lock()  # fair: with a service time, messages are served in turn
        # faults injected on purpose, timed from now (None: none); .events feed the results timeline
        self.faults = ActiveCsmsFaults(config.faults, trio.current_time()) if config.faults else None
        self._metrics: CsmsMetrics | None = None
        if registry is not None:
            self._metrics = CsmsMetrics(registry, self.ledger, lambda: len(self._connections))

    def hold_answers_until(self, deadline: float) -> None:
        """Simulate a stall: answers due before ``deadline`` (trio time) are held back until then,
        connections stay open. Tests use it to check that a stall shows up in the latencies."""
        self._answers_held_until = deadline

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'wss' if self.tls is not None else 'ws'}://{host}:{self.port}"

    def connected_stations(self) -> list[str]:
        return list(self._connections)

    def station_subprotocol(self, station_id: str) -> str | None:
        """The OCPP subprotocol a connected station speaks (None if it is not connected)."""
        connection = self._connections.get(station_id)
        return None if connection is None else connection.websocket.subprotocol

    async def wait_for_stations(self, count: int) -> None:
        """Return once at least ``count`` stations are connected (wrap it in ``trio.fail_after``)."""
        while len(self._connections) < count:
            await self._stations_changed.wait()

    def _notify_stations_changed(self) -> None:
        self._stations_changed.set()
        self._stations_changed = trio.Event()

    # a per-request timeout is part of the request (as in OCPP's own message timeout), so it is a
    # parameter rather than the caller's cancel scope
    async def call(
        self,
        station_id: str,
        action: str,
        payload: msgspec.Struct,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> msgspec.Struct:
        """Send a CSMS-initiated request to a connected station and return its typed response.

        Raises ``StationNotConnected``, ``StationCallTimeout`` or ``StationCallRefused`` (a
        CALLERROR, whose code and text it carries); ``LocalProtocolError`` when ``payload`` is not
        the request struct of ``action``. Calls to one station are serialised (OCPP-J allows one
        outstanding CALL); ``timeout`` counts from this call's turn, not from the queueing.
        """
        connection = self._connections.get(station_id)
        if connection is None:
            raise StationNotConnected(
                f"{action} to station {station_id!r}: not connected "
                f"({len(self._connections)} stations are; see connected_stations())",
                station_id=station_id,
                action=action,
            )
        # OCPP-J allows one outstanding CALL per direction: queue behind any earlier call
        async with connection.call_lock:
            outcome = await _call_in_turn(connection, station_id, action, payload, timeout)
        return _response(outcome, station_id, action)

    # -- the connection handler --------------------------------------------------------------

    async def _handle(self, request: WebSocketRequest) -> None:
        remote = request.remote
        address = remote if isinstance(remote, str) else str(remote.address)
        if not isinstance(remote, str):
            self.admission.upgraded((address, remote.port))
        verdict = self.gate.check(request, address, trio.current_time())
        if isinstance(verdict, Refusal):
            await _reject(request, verdict)
            return
        station_id, subprotocol = verdict.station_id, verdict.subprotocol
        websocket = await accept_upgrade(request, subprotocol)
        self.peer_addresses[station_id] = address
        self._replace(station_id, address)
        session = SESSIONS[subprotocol](
            station_id,
            self.config,
            self.ledger,
            self._rng,
            epoch_offset=self._epoch_offset,
            faults=self.faults,
        )
        connection = _Connection(station_id, websocket, session, address=address)
        self._connections[station_id] = connection
        self._notify_stations_changed()
        if self.live is not None:
            session.observer = self.live
            self.live.connected(station_id, subprotocol)
        try:
            with connection.cancel_scope:
                await self._serve(connection)
        finally:
            connection.close()
            if self._connections.get(station_id) is connection:
                del self._connections[station_id]
                self._notify_stations_changed()
                if self.live is not None:
                    self.live.disconnected(station_id)
        if connection.replaced:
            with trio.move_on_after(_REPLACED_CLOSE_TIMEOUT_S):
                await websocket.aclose(1000, "replaced by a newer connection of this station id")

    def _replace(self, station_id: str, address: str) -> None:
        """The policy for a second connection of a connected station id: the new one replaces
        the old, which is closed (1000, with the reason) and logged. A station that reconnects
        has lost its old socket, even if the server has not noticed yet (a half-open TCP
        connection); refusing it would lock the station out until then."""
        previous = self._connections.get(station_id)
        if previous is None:
            return
        self.log.warn(
            "replaced connections",
            f"station {station_id!r} connected again from {address} while connected from "
            f"{previous.address}: the new connection replaces the old one, which is closed",
            trio.current_time(),
        )
        previous.replaced = True
        previous.cancel_scope.cancel()
        previous.close()

    async def _serve(self, connection: _Connection) -> None:
        websocket, session = connection.websocket, connection.session
        delay = self.config.response_delay_s
        metrics = self._metrics
        try:
            while True:
                message = await websocket.get_message()
                received_at = trio.current_time()
                if self.config.service_time_s > 0.0:
                    async with self._service_queue:
                        await trio.sleep(self.config.service_time_s)
                session.receive(message, received_at)
                out = session.data_to_send()
                events = session.events()
                if events:
                    self._dispatch(connection, events)
                if out:
                    if delay > 0.0:
                        await trio.sleep(delay)
                    if session.fault_delay_s > 0.0:
                        await trio.sleep(session.fault_delay_s)
                    if self._answers_held_until > received_at:
                        await trio.sleep_until(self._answers_held_until)
                    for frame in out:
                        await websocket.send_message(frame)
                if metrics is not None:
                    metrics.message_handled(len(out), trio.current_time() - received_at)
        except ConnectionClosed as closed:
            if closed.reason is not None and closed.reason.code in _FRAME_TROUBLE:
                self._note_frame_trouble(connection, closed.reason)

    def _note_frame_trouble(self, connection: _Connection, reason: CloseReason) -> None:
        self.log.warn(
            _FRAME_TROUBLE[reason.code],
            f"closed the connection of station {connection.station_id!r} from {connection.address}: "
            f"{reason.code} {reason.reason or reason.name}",
            trio.current_time(),
        )

    def _dispatch(self, connection: _Connection, events: list[CsmsEvent]) -> None:
        for event in events:
            if isinstance(event, CsmsCallResult | CsmsCallError):
                waiter = connection.waiters.get(event.unique_id)
                if waiter is not None:
                    waiter.outcome = event
                    waiter.done.set()
            elif isinstance(event, InternalFault) and len(self.internal_faults) < _MAX_FAULTS_KEPT:
                self.internal_faults.append(event)
            elif isinstance(event, ProtocolViolation):
                self.log.warn(
                    "malformed messages",
                    f"station {connection.station_id!r} from {connection.address} sent a malformed "
                    f"message: {event.code}: {event.description}",
                    trio.current_time(),
                )


async def _reject(request: WebSocketRequest, refusal: Refusal) -> None:
    """Refuse the upgrade. A client may hang up as soon as it reads the status line (before the
    body): that ends its connection, never the server."""
    with contextlib.suppress(ConnectionClosed):
        await request.reject(refusal.status, extra_headers=refusal.headers, body=refusal.body.encode())


async def serve_csms(
    config: CsmsConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    reuse_port: bool = False,
    registry: CollectorRegistry | None = None,
    security: CsmsSecurity | None = None,
    live: LiveView | None = None,
    task_status: trio.TaskStatus[CsmsServer] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the embedded CSMS until cancelled. With ``nursery.start`` it hands back the
    ``CsmsServer`` once listening (``.port`` is the real port when 0 was asked for).
    ``reuse_port``: share the port with other processes (SO_REUSEPORT; ``fleet csms --workers``).
    ``registry``: export the CSMS's ``ocpp_fleet_csms_*`` metrics there (None: no metrics).
    ``security``: OCPP security profile 1-3 (Basic auth, TLS, client certificates); raises
    ValueError naming a certificate file that cannot be loaded. ``live``: feed this view of the
    stations (the live console's; None: no observer)."""
    server = CsmsServer(config, host, port, registry, security, live)
    context = security.server_context() if security is not None else None
    timeout = config.handshake_timeout_s
    async with trio.open_nursery() as nursery:
        if context is None and server.faults is not None and config.faults.crashes and not reuse_port:
            crashing = partial(
                serve_with_crashes, server._handle, host, port, server.faults, connect_timeout=timeout
            )
            websocket_server = await nursery.start(crashing)
            server.port = websocket_server.listeners[0].port
        else:
            listeners = await _admission_listeners(
                server, host, port, reuse_port, every_address=context is None
            )
            if context is not None:
                server.tls = server.gate.tls = TlsListener(
                    listeners[0], context, server.admission, server.log
                )
                await nursery.start(server.tls.run)
            served = [server.tls] if server.tls is not None else listeners
            websocket = WebSocketServer(server._handle, served, connect_timeout=timeout)  # type: ignore[arg-type]
            await nursery.start(websocket.run)
            server.port = served[0].port
        task_status.started(server)


async def _admission_listeners(
    server: CsmsServer, host: str, port: int, reuse_port: bool, *, every_address: bool
) -> list[AdmissionListener]:
    """The TCP listeners, each admitting connections through ``server.admission``: with
    ``every_address``, one per address ``host`` resolves to (as trio-websocket's own server)."""
    if reuse_port:
        tcp = [await open_shared_listener(host, port)]
    else:
        tcp = await trio.open_tcp_listeners(port, host=host)
        if not every_address:
            for extra in tcp[1:]:
                await extra.aclose()
            tcp = tcp[:1]
    return [AdmissionListener(listener, server.admission, server.log) for listener in tcp]


async def _call_in_turn(
    connection: _Connection,
    station_id: str,
    action: str,
    payload: msgspec.Struct,
    timeout: float,  # noqa: ASYNC109  (the call's own timeout, as in CsmsServer.call)
) -> CsmsCallResult | CsmsCallError | None:
    """Send one CALL and wait for its answer, holding the station's call lock; None when the
    connection closed first. Raises ``StationNotConnected`` (closed before our turn) or
    ``StationCallTimeout`` (then the call is abandoned: a late answer is dropped)."""
    if connection.closed:
        raise StationNotConnected(
            f"{action} to station {station_id!r}: the connection closed",
            station_id=station_id,
            action=action,
        )
    unique_id = connection.session.call(action, payload, trio.current_time())
    waiter = connection.waiters[unique_id] = _Waiter()
    try:
        with trio.move_on_after(timeout) as scope:
            for frame in connection.session.data_to_send():
                await connection.websocket.send_message(frame)
            await waiter.done.wait()
    except ConnectionClosed:
        waiter.outcome = None
    finally:
        del connection.waiters[unique_id]
    if scope.cancelled_caught:
        connection.session.abandon_call(unique_id)
        raise StationCallTimeout(
            f"{action} to station {station_id!r}: no answer within {timeout} s",
            station_id=station_id,
            action=action,
        )
    return waiter.outcome


def _response(outcome: CsmsCallResult | CsmsCallError | None, station_id: str, action: str) -> msgspec.Struct:
    """The typed response of an answered call; ``StationNotConnected`` when none came (the
    connection closed), ``StationCallRefused`` for a CALLERROR."""
    if outcome is None:
        raise StationNotConnected(
            f"{action} to station {station_id!r}: the connection closed before the answer",
            station_id=station_id,
            action=action,
        )
    if isinstance(outcome, CsmsCallError):
        raise StationCallRefused(
            f"{action} to station {station_id!r} refused: {outcome.code}: {outcome.description}",
            station_id=station_id,
            action=action,
            error_code=outcome.code,
            description=outcome.description,
        )
    return outcome.payload
