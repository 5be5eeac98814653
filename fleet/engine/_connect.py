"""Open one station's WebSocket: TCP (optionally from a chosen source address), TLS, upgrade.

trio-websocket's ``open_websocket_url`` cannot bind a local address, and past ~28,000
connections to one target a single source address runs out of ephemeral ports. So the TCP
stream is opened here with ``trio.open_tcp_stream(..., local_address=...)`` and handed to
``trio_websocket.wrap_client_stream``. Every connect concern (source address, TLS, later
authentication headers) lives in this one function; ``transport="lean"`` hands them all to
``open_lean_websocket`` (fleet/engine/_lean_websocket.py) instead.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import cache
from typing import cast

import trio
import trio_websocket

from fleet.connection import parse_websocket_url
from fleet.engine._lean_websocket import StationWebSocket, Transport, open_lean_websocket


@cache
def _default_tls_context() -> ssl.SSLContext:
    # loading the CA store costs milliseconds: once per process, not once per station
    return ssl.create_default_context()


@asynccontextmanager
async def open_station_websocket(
    url: str,
    subprotocols: Iterable[str],
    *,
    local_address: str | None = None,
    connect_timeout: float,
    disconnect_timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    transport: Transport = "trio-websocket",
) -> AsyncIterator[StationWebSocket]:
    """Connect to ``url`` (ws:// or wss://) and yield the open connection; close it on exit.

    ``local_address`` is the source IP to bind (e.g. ``127.0.0.2``), None for the kernel's
    choice. ``extra_headers`` go with the upgrade request (HTTP Basic auth of security profiles 1
    and 2). ``transport`` picks the client: "trio-websocket" or "lean" (same errors, same
    messages). A connect that takes longer than ``connect_timeout`` raises
    ``trio_websocket.ConnectionTimeout``; socket errors are raised as they are (OSError), and a
    refused upgrade as ``trio_websocket.ConnectionRejected``.
    """
    host, port, host_header, resource, secure = parse_websocket_url(url)
    tls = (ssl_context or _default_tls_context()) if secure else None
    if transport == "lean":  # no reader task of its own: fleet/engine/_lean_websocket.py
        lean = open_lean_websocket(
            url,
            subprotocols,
            connect_timeout=connect_timeout,
            local_address=local_address,
            ssl_context=tls,
            extra_headers=extra_headers,
            close_timeout=disconnect_timeout,
        )
        async with lean as lean_websocket:
            yield lean_websocket
        return
    try:
        async with trio.open_nursery() as nursery:
            websocket = await _connect(
                nursery,
                host,
                port,
                host_header,
                resource,
                subprotocols,
                local_address,
                tls,
                connect_timeout,
                extra_headers,
            )
            try:
                yield websocket
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(disconnect_timeout):
                    await websocket.aclose()
                nursery.cancel_scope.cancel()  # the connection's reader task
    except BaseExceptionGroup as group:
        # the nursery wraps whatever the caller's block raised: hand back the one real error, as
        # open_websocket_url does, so callers can catch ConnectionClosed and friends directly
        leaf = group.exceptions[0]
        if len(group.exceptions) > 1 or isinstance(leaf, trio.Cancelled):
            raise
        context = leaf.__context__  # keep its own cause and context, not the group's
        try:
            raise leaf
        finally:
            leaf.__context__ = context


async def _connect(
    nursery: trio.Nursery,
    host: str,
    port: int,
    host_header: str,
    resource: str,
    subprotocols: Iterable[str],
    local_address: str | None,
    tls: ssl.SSLContext | None,
    connect_timeout: float,
    extra_headers: list[tuple[bytes, bytes]] | None,
) -> trio_websocket.WebSocketConnection:
    stream: trio.SocketStream | trio.SSLStream[trio.SocketStream] | None = None
    try:
        with trio.fail_after(connect_timeout):
            stream = await trio.open_tcp_stream(host, port, local_address=local_address)
            if tls is None:
                return await trio_websocket.wrap_client_stream(
                    nursery,
                    stream,
                    host_header,
                    resource,
                    subprotocols=list(subprotocols),
                    extra_headers=extra_headers,
                )
            stream = trio.SSLStream(stream, tls, server_hostname=host, https_compatible=True)
            await stream.do_handshake()
            return await _upgrade_over_tls(
                nursery, stream, host_header, resource, subprotocols, extra_headers
            )
    except trio.TooSlowError:
        if stream is not None:
            await trio.aclose_forcefully(stream)
        raise trio_websocket.ConnectionTimeout from None
    except BaseException:
        if stream is not None:
            await trio.aclose_forcefully(stream)
        raise


class _BreakWatch(trio.abc.Stream):
    """Pass-through stream that remembers why the TLS stream broke.

    With TLS 1.3 the server judges the client certificate after the client's handshake is done:
    its alert (e.g. certificate expired) arrives on the first read, inside trio-websocket's reader
    task, which swallows it and leaves the upgrade waiting until the connect timeout. Watching the
    reads lets the connect fail at once with the alert as the reason.
    """

    def __init__(self, stream: trio.SSLStream[trio.SocketStream]) -> None:
        self.stream = stream
        self.broken = trio.Event()
        self.error: BaseException | None = None

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.stream.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.stream.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        try:
            return await self.stream.receive_some(max_bytes)
        except trio.BrokenResourceError as exc:
            self.error = exc
            self.broken.set()
            raise

    async def aclose(self) -> None:
        await self.stream.aclose()


async def _upgrade_over_tls(
    nursery: trio.Nursery,
    stream: trio.SSLStream[trio.SocketStream],
    host_header: str,
    resource: str,
    subprotocols: Iterable[str],
    extra_headers: list[tuple[bytes, bytes]] | None,
) -> trio_websocket.WebSocketConnection:
    watched = _BreakWatch(stream)
    connection: trio_websocket.WebSocketConnection | None = None

    async def upgrade(race: trio.CancelScope) -> None:
        nonlocal connection
        connection = await trio_websocket.wrap_client_stream(
            nursery,
            cast(trio.SSLStream[trio.SocketStream], watched),  # it only needs a trio Stream
            host_header,
            resource,
            subprotocols=list(subprotocols),
            extra_headers=extra_headers,
        )
        race.cancel()

    async with trio.open_nursery() as race:
        race.start_soon(upgrade, race.cancel_scope)
        await watched.broken.wait()
        race.cancel_scope.cancel()
    if connection is None:
        assert watched.error is not None
        raise watched.error
    return connection
