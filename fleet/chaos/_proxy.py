"""The fault proxy: a userspace TCP relay in front of any CSMS that adds latency and jitter, caps
bandwidth, stalls, cuts connections at a rate, goes down for outage windows and leaves connections
half-open, as ``ProxyFaults`` says. Times are seconds from the proxy's start (trio's clock, so a
MockClock test runs it in virtual time); every random draw comes from streams seeded by
``ProxyFaults.seed`` and the connection's number.

It relays bytes, not WebSocket frames: TLS passes through untouched (the station then checks the
server certificate against the proxy's address).
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import trio

from fleet.chaos._spec import ProxyFaults, Window
from fleet.csms import FaultEvent

_CHUNK = 65536
_BACKLOG = 256  # chunks in flight per direction before the reader waits (back-pressure)
_RELAY_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError)


def target_address(url: str) -> tuple[str, int]:
    """(host, port) of a ``ws://``/``wss://`` URL or a bare ``host:port``; ValueError otherwise."""
    parts = urlsplit(url if "://" in url else f"tcp://{url}")
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"ws": 80, "wss": 443}.get(parts.scheme)
    if not parts.hostname or (port or default) is None:
        raise ValueError(f"--target {url!r}: expected ws://HOST:PORT, wss://HOST:PORT or HOST:PORT")
    return parts.hostname, port or default or 0


def _within(windows: tuple[Window, ...], origin: float, now: float) -> float | None:
    """The end of the window ``now`` falls in (None: in none)."""
    for start, length in windows:
        if origin + start <= now < origin + start + length:
            return origin + start + length
    return None


@dataclass(eq=False)
class _Link:
    """One client connection: ``scope`` ends it, ``forwarding`` only its relay (half-open)."""

    scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    forwarding: trio.CancelScope = field(default_factory=trio.CancelScope)


class ChaosProxy:
    """A running fault proxy; obtain one with ``await nursery.start(serve_chaos_proxy, ...)``."""

    def __init__(self, faults: ProxyFaults, target: tuple[str, int], host: str, port: int) -> None:
        self.faults = faults
        self.target = target
        self.host = host
        self.port = port
        self.origin = 0.0
        self.connections = 0  # accepted so far
        self.drops = 0  # connections cut by drop-rate
        self.events: list[FaultEvent] = []  # the windowed faults, as they began
        self._links: set[_Link] = set()
        self._accepting = trio.CancelScope()
        self._nursery: trio.Nursery | None = None

    def front_of(self, url: str) -> str:
        """``url`` (the CSMS's) with the proxy's address in place of the CSMS's."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return urlsplit(url)._replace(netloc=f"{host}:{self.port}").geturl()

    def fault_events(self) -> list[FaultEvent]:
        """Every fault so far, for a results timeline (the steady ones last the whole run)."""
        faults, origin = self.faults, self.origin
        events = []
        if faults.latency_s or faults.jitter_s:
            detail = f"{faults.latency_s * 1000:g} ms + 0..{faults.jitter_s * 1000:g} ms each way"
            events.append(FaultEvent("latency", origin, None, detail))
        if math.isfinite(faults.bandwidth_bps):
            detail = f"{faults.bandwidth_bps:g} bytes/s per connection and direction"
            events.append(FaultEvent("bandwidth", origin, None, detail))
        if faults.drop_rate > 0:
            detail = f"{faults.drop_rate:g}/s per connection: {self.drops} connections cut"
            events.append(FaultEvent("drop", origin, None, detail))
        return events + self.events

    # -- the listener and the windows --------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[ChaosProxy] = trio.TASK_STATUS_IGNORED) -> None:
        self.origin = trio.current_time()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await nursery.start(self._accept)
            for window in self.faults.outages:
                nursery.start_soon(self._window, "outage", window, self._go_down, self._come_back)
            for window in self.faults.half_open:
                nursery.start_soon(self._window, "half-open", window, self._silence, None)
            for window in self.faults.stalls:
                nursery.start_soon(self._window, "stall", window, self._stall, None)
            task_status.started(self)

    async def _accept(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        listener = (await trio.open_tcp_listeners(self.port, host=self.host))[0]
        self.port = listener.socket.getsockname()[1]
        assert self._nursery is not None
        with trio.CancelScope() as self._accepting:
            task_status.started()
            async with listener:
                while True:
                    stream = await listener.accept()
                    self._nursery.start_soon(self._connection, stream)

    async def _window(
        self,
        kind: str,
        window: Window,
        begin: Callable[[], str],
        end: Callable[[], Awaitable[None]] | None,
    ) -> None:
        start, length = window
        await trio.sleep_until(self.origin + start)
        now = trio.current_time()
        self.events.append(FaultEvent(kind, now, now + length, begin()))
        await trio.sleep(length)
        if end is not None:
            await end()

    def _go_down(self) -> str:
        self._accepting.cancel()  # closes the listener: new connections are refused
        cut = len(self._links)
        for link in list(self._links):
            link.scope.cancel()
        return f"{cut} connections cut, new ones refused"

    async def _come_back(self) -> None:
        assert self._nursery is not None
        await self._nursery.start(self._accept)

    def _silence(self) -> str:
        for link in list(self._links):
            link.forwarding.cancel()
        return f"{len(self._links)} connections stop forwarding without closing"

    def _stall(self) -> str:
        return f"nothing forwarded (held) on {len(self._links)} connections"

    # -- one connection ----------------------------------------------------------------------

    async def _connection(self, client: trio.SocketStream) -> None:
        number = self.connections
        self.connections += 1
        link = _Link()
        self._links.add(link)
        try:
            with link.scope:
                if _within(self.faults.half_open, self.origin, trio.current_time()) is None:
                    with link.forwarding:
                        await self._forward(client, number)
                    if not link.forwarding.cancelled_caught:
                        return
                await _black_hole(client)
        finally:
            self._links.discard(link)
            await trio.aclose_forcefully(client)

    async def _forward(self, client: trio.SocketStream, number: int) -> None:
        try:
            upstream = await trio.open_tcp_stream(*self.target)
        except OSError:
            return  # the CSMS refused: so does the proxy (it closes the client's connection)
        seed = self.faults.seed
        try:
            async with trio.open_nursery() as nursery:
                done = nursery.cancel_scope
                nursery.start_soon(self._pump, client, upstream, random.Random(f"{seed}:{number}:up"), done)
                nursery.start_soon(self._pump, upstream, client, random.Random(f"{seed}:{number}:down"), done)
                if self.faults.drop_rate > 0:
                    delay = random.Random(f"{seed}:{number}:drop").expovariate(self.faults.drop_rate)
                    nursery.start_soon(self._drop_after, delay, done)
        finally:
            await trio.aclose_forcefully(upstream)

    async def _drop_after(self, delay: float, connection: trio.CancelScope) -> None:
        await trio.sleep(delay)
        self.drops += 1
        connection.cancel()

    async def _pump(
        self, source: trio.SocketStream, sink: trio.SocketStream, rng: random.Random, done: trio.CancelScope
    ) -> None:
        """Read ``source`` and hand each chunk on, due after latency + jitter (in order), until
        end of file; then end the connection once what was read is delivered."""
        send, receive = trio.open_memory_channel[tuple[float, bytes]](_BACKLOG)
        latency, jitter = self.faults.latency_s, self.faults.jitter_s
        due = -math.inf
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._deliver, receive, sink, done)
            async with send:
                try:
                    while data := await source.receive_some(_CHUNK):
                        due = max(due, trio.current_time() + latency + jitter * rng.random())
                        await send.send((due, data))
                except _RELAY_ERRORS:
                    pass
        done.cancel()

    async def _deliver(
        self,
        receive: trio.MemoryReceiveChannel[tuple[float, bytes]],
        sink: trio.SocketStream,
        done: trio.CancelScope,
    ) -> None:
        bandwidth = self.faults.bandwidth_bps
        free_at = -math.inf  # when the capped link has sent everything so far
        async with receive:
            try:
                async for due, data in receive:
                    await trio.sleep_until(due)
                    stall_end = _within(self.faults.stalls, self.origin, trio.current_time())
                    if stall_end is not None:  # held, not lost
                        await trio.sleep_until(stall_end)
                    if math.isfinite(bandwidth):
                        free_at = max(free_at, trio.current_time()) + len(data) / bandwidth
                        await trio.sleep_until(free_at)
                    await sink.send_all(data)
            except _RELAY_ERRORS:
                done.cancel()


async def _black_hole(client: trio.SocketStream) -> None:
    """Read and discard until the client gives up: a half-open connection never answers."""
    try:
        while await client.receive_some(_CHUNK):
            pass
    except _RELAY_ERRORS:
        pass


async def serve_chaos_proxy(
    faults: ProxyFaults,
    target: tuple[str, int],
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    task_status: trio.TaskStatus[ChaosProxy] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Relay ``host:port`` (0: a free port; ``.port`` tells) to ``target`` with ``faults`` until
    cancelled; with ``nursery.start`` it hands back the ``ChaosProxy`` once listening."""
    proxy = ChaosProxy(faults, target, host, port)
    await proxy.run(task_status=task_status)
