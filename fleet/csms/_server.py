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
from urllib.parse import unquote

import msgspec
import trio
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    WebSocketServer,
    serve_websocket,
)

from fleet.csms._config import CsmsConfig
from fleet.csms._errors import StationCallRefused, StationCallTimeout, StationNotConnected
from fleet.csms._events import CsmsCallError, CsmsCallResult, CsmsEvent, InternalFault
from fleet.csms._ledger import Ledger
from fleet.csms._listen import open_shared_listener
from fleet.csms._metrics import CsmsMetrics
from fleet.csms._negotiation import SESSIONS, pick_subprotocol, refusal_text
from fleet.csms._security import CsmsSecurity, TlsListener
from fleet.csms._session import CsmsSession

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

# internal faults kept for inspection; there should be none, so a small cap is plenty
_MAX_FAULTS_KEPT = 100


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
    ) -> None:
        self.config = config
        self.security = security  # None: anyone may connect over ws://
        self.tls: TlsListener | None = None
        self.host = host
        self.port = port
        self.ledger = Ledger(config.ledger_out)  # ledger_out: one JSON line per stored message
        self.internal_faults: list[InternalFault] = []
        self._connections: dict[str, _Connection] = {}
        self.peer_addresses: dict[str, str] = {}  # station id -> source IP of its latest connection
        self._rng = random.Random(config.seed)
        # currentTime must be wall-clock time while the shell's clock is trio's
        self._epoch_offset = time.time() - trio.current_time()
        self._stations_changed = trio.Event()
        self._answers_held_until = -math.inf
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
        station_id = unquote(request.path.split("?", 1)[0].rsplit("/", 1)[-1])
        if not station_id:
            await _reject(
                request, 404, b"no station id: connect to ws://host:port/<station-id> (last path segment)\n"
            )
            return
        if self.security is not None:
            remote = request.remote
            common_name = (
                self.tls.peer_common_name(str(remote.address), remote.port)
                if self.tls is not None and not isinstance(remote, str)
                else None
            )
            refusal = self.security.refusal(station_id, request.headers, common_name)
            if refusal is not None:
                await _reject(request, refusal[0], refusal[1].encode())
                return
        subprotocol = pick_subprotocol(request.proposed_subprotocols)
        if subprotocol is None:
            await _reject(request, 400, refusal_text(request.proposed_subprotocols).encode())
            return
        websocket = await request.accept(subprotocol=subprotocol)
        remote = request.remote
        self.peer_addresses[station_id] = remote if isinstance(remote, str) else str(remote.address)
        previous = self._connections.get(station_id)
        if previous is not None:
            # a station that reconnects has lost the old socket, even if we have not noticed yet
            previous.cancel_scope.cancel()
            previous.close()
        session = SESSIONS[subprotocol](
            station_id, self.config, self.ledger, self._rng, epoch_offset=self._epoch_offset
        )
        connection = _Connection(station_id, websocket, session)
        self._connections[station_id] = connection
        self._notify_stations_changed()
        try:
            with connection.cancel_scope:
                await self._serve(connection)
        finally:
            connection.close()
            if self._connections.get(station_id) is connection:
                del self._connections[station_id]
                self._notify_stations_changed()

    async def _serve(self, connection: _Connection) -> None:
        websocket, session = connection.websocket, connection.session
        delay = self.config.response_delay_s
        metrics = self._metrics
        try:
            while True:
                message = await websocket.get_message()
                received_at = trio.current_time()
                session.receive(message, received_at)
                out = session.data_to_send()
                events = session.events()
                if events:
                    self._dispatch(connection, events)
                if out:
                    if delay > 0.0:
                        await trio.sleep(delay)
                    if self._answers_held_until > received_at:
                        await trio.sleep_until(self._answers_held_until)
                    for frame in out:
                        await websocket.send_message(frame)
                if metrics is not None:
                    metrics.message_handled(len(out), trio.current_time() - received_at)
        except ConnectionClosed:
            return

    def _dispatch(self, connection: _Connection, events: list[CsmsEvent]) -> None:
        for event in events:
            if isinstance(event, CsmsCallResult | CsmsCallError):
                waiter = connection.waiters.get(event.unique_id)
                if waiter is not None:
                    waiter.outcome = event
                    waiter.done.set()
            elif isinstance(event, InternalFault) and len(self.internal_faults) < _MAX_FAULTS_KEPT:
                self.internal_faults.append(event)


async def _reject(request: WebSocketRequest, status: int, body: bytes) -> None:
    """Refuse the upgrade. A client may hang up as soon as it reads the status line (before the
    body): that ends its connection, never the server."""
    with contextlib.suppress(ConnectionClosed):
        await request.reject(status, body=body)


async def serve_csms(
    config: CsmsConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    reuse_port: bool = False,
    registry: CollectorRegistry | None = None,
    security: CsmsSecurity | None = None,
    task_status: trio.TaskStatus[CsmsServer] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the embedded CSMS until cancelled. With ``nursery.start`` it hands back the
    ``CsmsServer`` once listening (``.port`` is the real port when 0 was asked for).
    ``reuse_port``: share the port with other processes (SO_REUSEPORT; ``fleet csms --workers``).
    ``registry``: export the CSMS's ``ocpp_fleet_csms_*`` metrics there (None: no metrics).
    ``security``: OCPP security profile 1-3 (Basic auth, TLS, client certificates); raises
    ValueError naming a certificate file that cannot be loaded."""
    server = CsmsServer(config, host, port, registry, security)
    context = security.server_context() if security is not None else None
    async with trio.open_nursery() as nursery:
        if context is not None:
            tcp = await open_shared_listener(host, port) if reuse_port else await _open_listener(host, port)
            server.tls = TlsListener(tcp, context)
            await nursery.start(server.tls.run)
            secure = WebSocketServer(server._handle, [server.tls])  # type: ignore[list-item]
            websocket_server = await nursery.start(secure.run)
        elif reuse_port:
            shared = WebSocketServer(server._handle, [await open_shared_listener(host, port)])
            websocket_server = await nursery.start(shared.run)
        else:
            websocket_server = await nursery.start(
                partial(serve_websocket, server._handle, host, port, ssl_context=None)
            )
        server.port = server.tls.port if server.tls is not None else websocket_server.listeners[0].port
        task_status.started(server)


async def _open_listener(host: str, port: int) -> trio.SocketListener:
    listeners = await trio.open_tcp_listeners(port, host=host)
    return listeners[0]


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
