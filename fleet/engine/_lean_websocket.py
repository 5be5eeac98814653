"""A lean WebSocket client: one trio stream and one wsproto state machine, driven by the caller.

trio-websocket runs a reader task per connection and hands messages over memory channels, with a
lock, events and a ping table beside them. A station already has a task that waits for its next
message or its next timer, so here that task reads the socket itself: ``get_message`` calls
``receive_some`` and feeds wsproto, answering pings and close frames on the way. No extra task,
channel or lock per connection. bench/transport_cost.py measures what that saves.

The error types are trio-websocket's (``ConnectionClosed``, ``ConnectionRejected``,
``ConnectionTimeout``, ``HandshakeError``), so code that handles one transport handles both.
One task at a time may use a connection (trio's stream raises ``BusyResourceError`` otherwise);
the station runner is that one task.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Literal, Protocol

import trio
from trio_websocket import (
    CloseReason,
    ConnectionClosed,
    ConnectionRejected,
    ConnectionTimeout,
    HandshakeError,
)
from wsproto import ConnectionType, WSConnection
from wsproto.connection import Connection, ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.utilities import RemoteProtocolError

from fleet.connection import parse_websocket_url

Transport = Literal["reactor", "lean", "trio-websocket"]
TRANSPORTS: tuple[Transport, ...] = ("reactor", "lean", "trio-websocket")
# bench/README.md "The reactor": stations are not tasks; one task drives every socket and timer
# (fleet/engine/_reactor.py). "lean" and "trio-websocket" are the task-per-station transports
# it replaced, kept selectable for comparison.
DEFAULT_TRANSPORT: Transport = "reactor"
MAX_MESSAGE_SIZE = 2**20  # as trio-websocket: a larger message closes the connection with 1009
_RECEIVE_BYTES = 2**16
_ABNORMAL = 1006  # RFC 6455: the connection ended without a close frame
_TOO_BIG = 1009


class StationWebSocket(Protocol):
    """What the station runner needs of a connection; both transports provide it."""

    @property
    def subprotocol(self) -> str | None: ...
    @property
    def closed(self) -> CloseReason | None: ...
    async def get_message(self) -> str | bytes: ...
    async def send_message(self, message: str | bytes) -> None: ...
    async def aclose(self) -> None: ...


Stream = trio.SocketStream | trio.SSLStream[trio.SocketStream]


class LeanWebSocket:
    """An open client connection (made by ``open_lean_websocket``)."""

    __slots__ = (
        "_close_reason",
        "_close_timeout",
        "_max_size",
        "_messages",
        "_parts",
        "_size",
        "_stream",
        "_ws",
        "subprotocol",
    )

    def __init__(
        self,
        stream: Stream,
        ws: Connection,
        subprotocol: str | None,
        *,
        max_message_size: int = MAX_MESSAGE_SIZE,
        close_timeout: float = 2.0,
    ) -> None:
        self._stream = stream
        self._ws = ws
        self.subprotocol = subprotocol
        self._max_size = max_message_size
        self._close_timeout = close_timeout
        self._close_reason: CloseReason | None = None
        self._messages: list[str | bytes] = []  # complete messages read ahead of get_message
        self._parts: list[str | bytes] = []  # fragments of the message being received
        self._size = 0

    @property
    def closed(self) -> CloseReason | None:
        """Why the connection was closed, or None while it is open."""
        return self._close_reason

    async def get_message(self) -> str | bytes:
        """The next message; ``ConnectionClosed`` once the connection is closed. Cancel-safe:
        a cancelled wait loses no data (bytes already read stay in wsproto or the read-ahead)."""
        while not self._messages:
            if self._close_reason is not None:
                raise ConnectionClosed(self._close_reason)
            data = await self._receive()
            if data is None:
                continue
            self._ws.receive_data(data)  # type: ignore[arg-type]  # a bytearray (TLS) works too
            await self._handle_events(self._ws.events())
        return self._messages.pop(0)

    async def send_message(self, message: str | bytes) -> None:
        if self._close_reason is not None:
            raise ConnectionClosed(self._close_reason)
        event = TextMessage(data=message) if isinstance(message, str) else BytesMessage(data=message)
        await self._send(self._ws.send(event))

    async def aclose(self) -> None:
        """Close handshake (bounded by the close timeout), then close the stream."""
        try:
            if self._ws.state is ConnectionState.OPEN:
                self._close_reason = CloseReason(1000, None)
                with trio.move_on_after(self._close_timeout):
                    await self._stream.send_all(self._ws.send(CloseConnection(code=1000)))
                    # the peer's close frame ends the handshake; whatever precedes it is dropped
                    while self._state() is ConnectionState.LOCAL_CLOSING:
                        data = await self._stream.receive_some(_RECEIVE_BYTES)
                        if not data:
                            break
                        self._ws.receive_data(data)  # type: ignore[arg-type]  # a bytearray (TLS) works too
                        for _ in self._ws.events():
                            pass
        except (trio.BrokenResourceError, trio.ClosedResourceError, RemoteProtocolError):
            pass  # the peer is gone or talks nonsense: there is nothing left to close politely
        finally:
            if self._close_reason is None:
                self._close_reason = CloseReason(1000, None)
            await trio.aclose_forcefully(self._stream)

    def _state(self) -> ConnectionState:
        return self._ws.state

    async def _receive(self) -> bytes | bytearray | None:
        try:
            data = await self._stream.receive_some(_RECEIVE_BYTES)
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            await self._abort(f"connection broken: {exc.__cause__ or exc}")
            return None
        if not data:
            await self._abort("the peer closed the TCP connection without a close frame")
            return None
        return data

    async def _handle_events(self, events: Iterable[Event]) -> None:
        for event in events:
            if isinstance(event, (TextMessage, BytesMessage)):
                await self._message_part(event)
            elif isinstance(event, Ping) and self._state() is ConnectionState.OPEN:
                await self._send(self._ws.send(event.response()), control=True)
            elif isinstance(event, CloseConnection):
                self._close_reason = CloseReason(event.code, event.reason or None)
                if self._ws.state is ConnectionState.REMOTE_CLOSING:
                    await self._send(self._ws.send(event.response()), control=True)
                elif self._ws.state is ConnectionState.OPEN:
                    # wsproto could not parse a frame and reports it as this close (1002/1007):
                    # tell the peer why before hanging up
                    await self._send(self._ws.send(event), control=True)
                await trio.aclose_forcefully(self._stream)
                return
            if self._close_reason is not None:
                return

    async def _message_part(self, event: TextMessage | BytesMessage) -> None:
        data = event.data if isinstance(event.data, (str, bytes)) else bytes(event.data)
        self._size += len(data)
        if self._size > self._max_size:
            reason = f"message larger than {self._max_size} bytes"
            self._close_reason = CloseReason(_TOO_BIG, reason)
            self._parts, self._size = [], 0
            await self._send(self._ws.send(CloseConnection(code=_TOO_BIG, reason=reason)), control=True)
            await trio.aclose_forcefully(self._stream)
            return
        if not event.message_finished:
            self._parts.append(data)
            return
        if self._parts:  # the last fragment of a fragmented message
            self._parts.append(data)
            parts, self._parts = self._parts, []
            data = "".join(parts) if isinstance(data, str) else b"".join(parts)  # type: ignore[arg-type]
        self._size = 0
        self._messages.append(data)

    async def _send(self, data: bytes, *, control: bool = False) -> None:
        """Write one or more frames. A control frame (pong, close) is written from inside
        ``get_message``, whose caller's deadline must not tear it in half (a torn frame corrupts
        the stream): it is shielded and bounded by the close timeout instead, and a failure ends
        the connection quietly, to be reported by the next ``get_message``."""
        try:
            if not control:
                await self._stream.send_all(data)
                return
            with trio.CancelScope(shield=True, deadline=trio.current_time() + self._close_timeout) as scope:
                await self._stream.send_all(data)
            if scope.cancelled_caught:
                await self._abort("the peer did not take a control frame within the close timeout")
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            await self._abort(f"connection broken: {exc.__cause__ or exc}")
            if not control:
                assert self._close_reason is not None
                raise ConnectionClosed(self._close_reason) from None

    async def _abort(self, reason: str) -> None:
        if self._close_reason is None:
            self._close_reason = CloseReason(_ABNORMAL, reason)
        await trio.aclose_forcefully(self._stream)


@asynccontextmanager
async def open_lean_websocket(
    url: str,
    subprotocols: Iterable[str],
    *,
    connect_timeout: float,
    local_address: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    close_timeout: float = 2.0,
    max_message_size: int = MAX_MESSAGE_SIZE,
) -> AsyncIterator[LeanWebSocket]:
    """Connect to ``url`` (ws:// or wss://, wss needs ``ssl_context``), yield the open connection,
    close it on exit (close handshake bounded by ``close_timeout``, shielded from cancellation).

    Errors as trio-websocket raises them: ``ConnectionTimeout`` when TCP, TLS and upgrade take
    longer than ``connect_timeout``; ``ConnectionRejected`` (with the HTTP status and body) when
    the server refuses the upgrade; ``HandshakeError`` when it answers something that is not
    HTTP; ``OSError`` / ``trio.BrokenResourceError`` from the socket and TLS as they are.
    """
    host, port, host_header, resource, secure = parse_websocket_url(url)
    if secure and ssl_context is None:
        raise ValueError(f"{url!r}: a wss:// URL needs an ssl_context")
    stream: Stream | None = None
    try:
        with trio.fail_after(connect_timeout):
            stream = await trio.open_tcp_stream(host, port, local_address=local_address)
            if ssl_context is not None and secure:
                stream = trio.SSLStream(stream, ssl_context, server_hostname=host, https_compatible=True)
                await stream.do_handshake()
            request = Request(
                host=host_header,
                target=resource,
                subprotocols=list(subprotocols),
                extra_headers=extra_headers or [],
            )
            ws = WSConnection(ConnectionType.CLIENT)
            await stream.send_all(ws.send(request))
            websocket = await _upgrade(stream, ws, close_timeout, max_message_size)
            del ws, request  # this frame lives as long as the connection: keep no handshake state
    except trio.TooSlowError:
        if stream is not None:
            await trio.aclose_forcefully(stream)
        raise ConnectionTimeout from None
    except BaseException:
        if stream is not None:
            await trio.aclose_forcefully(stream)
        raise
    try:
        yield websocket
    finally:
        with trio.CancelScope(shield=True):
            await websocket.aclose()


async def _upgrade(
    stream: Stream, ws: WSConnection, close_timeout: float, max_message_size: int
) -> LeanWebSocket:
    """Read the server's answer to the upgrade request: a connection, or the reason there is none."""
    rejection: RejectConnection | None = None
    body = bytearray()
    while True:
        data = await stream.receive_some(_RECEIVE_BYTES)
        if not data:
            if rejection is not None:  # a refusal whose body ends with the connection
                raise ConnectionRejected(rejection.status_code, tuple(rejection.headers), bytes(body))
            raise HandshakeError("the server closed the connection before answering the WebSocket upgrade")
        try:
            ws.receive_data(data)  # type: ignore[arg-type]  # a bytearray (TLS) works too
            events: list[Event] = list(ws.events())
        except RemoteProtocolError as exc:
            raise HandshakeError(
                f"the server's answer to the WebSocket upgrade is not valid HTTP: {exc}"
            ) from None
        for index, event in enumerate(events):
            if isinstance(event, AcceptConnection):
                # from here on only the WebSocket connection is needed: dropping the handshake
                # (and its h11 parser and buffers) saves ~1.5 KB per station
                assert ws.connection is not None  # set by the AcceptConnection just read
                connection = LeanWebSocket(
                    stream,
                    ws.connection,
                    event.subprotocol,
                    max_message_size=max_message_size,
                    close_timeout=close_timeout,
                )
                rest = events[index + 1 :]
                if rest:  # frames that came in the same read as the 101 response
                    await connection._handle_events(rest)
                return connection
            if isinstance(event, RejectConnection):
                rejection = event
                if not event.has_body:
                    raise ConnectionRejected(event.status_code, tuple(event.headers), None)
            elif isinstance(event, RejectData) and rejection is not None:
                body += event.data
                if event.body_finished:
                    raise ConnectionRejected(rejection.status_code, tuple(rejection.headers), bytes(body))
