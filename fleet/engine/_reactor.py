"""The reactor: one trio task drives every station's socket and timer.

Stations are not tasks. One ``select.epoll`` holds all the stations' non-blocking sockets; the
reactor task waits for it with ``trio.lowlevel.wait_readable`` on its descriptor, bounded by the
earliest deadline of one shared timer heap, then reads every ready socket and runs every due
timer in one pass. A write goes straight to ``socket.send`` (no checkpoint); only what the kernel
does not take at once waits in a backlog until the socket is writable again. TLS runs through
``ssl.MemoryBIO`` pairs, so an encrypted socket is driven exactly like a plain one.

The station side of each socket is a ``fleet.connection.StationConnection`` (sans-IO: handshake,
framing, the station core, its timers, reconnects): the reactor only moves bytes and time. The
rest of the process (the embedded CSMS, metrics, progress, the drain) stays ordinary trio tasks;
the reactor yields to them once per pass.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import select
import socket
import ssl
from dataclasses import dataclass

import trio
import trio.testing

from fleet.connection import DrainSink, StationConnection, WebSocketTarget, parse_websocket_url
from fleet.engine._timer_queue import TimerQueue

_READ = select.EPOLLIN
_WRITE = select.EPOLLOUT
_RECEIVE_BYTES = 2**16
_MAX_EVENTS = 4096
_ALONE_CAP_S = 0.05  # the longest the reactor blocks trio's loop when it is alone
_TRIO_OWN_WAITERS = 1  # trio's own wake-up socket reader
_IP_BIND_ADDRESS_NO_PORT = 24  # Linux: pick the source port at connect, not at bind (many sources)


@dataclass(frozen=True, slots=True)
class _Address:
    family: int
    sockaddr: tuple[str, int] | tuple[str, int, int, int]


class Link:
    """One station in the reactor: its connection core and, while connected, its socket."""

    __slots__ = (
        "addresses_tried",
        "backlog",
        "conn",
        "connecting",
        "endpoint",
        "local_address",
        "sock",
        "timer_due",
        "tls",
        "tls_in",
        "tls_out",
        "tls_shaking",
    )

    def __init__(self, conn: StationConnection, endpoint: WebSocketTarget, local_address: str | None) -> None:
        self.conn = conn
        self.endpoint = endpoint  # host, port, wss: shared by every link to the same CSMS
        self.local_address = local_address
        self.sock: socket.socket | None = None
        self.connecting = False  # TCP connect in progress (waiting for writability)
        self.addresses_tried = 0
        self.backlog = bytearray()  # bytes the kernel did not take yet
        self.tls: ssl.SSLObject | None = None
        self.tls_in: ssl.MemoryBIO | None = None
        self.tls_out: ssl.MemoryBIO | None = None
        self.tls_shaking = False
        self.timer_due = math.inf  # its wake-up in the timer queue (inf: none)


class Reactor:
    """Drives many ``StationConnection`` objects over non-blocking sockets from one trio task."""

    def __init__(self, close_timeout_s: float = 2.0, *, direct_waits: bool | None = None) -> None:
        self._epoll = select.epoll()
        self._by_fd: dict[int, Link] = {}
        self._timers: TimerQueue[Link] = TimerQueue()
        self._addresses: dict[tuple[str, int], list[_Address] | OSError] = {}
        self._endpoints: dict[str, WebSocketTarget] = {}
        # CALLs waiting per station, known at the last count: a station that was not driven
        # since then has the same queue, so a count costs what the activity since, not the fleet
        self._touched: set[Link] = set()
        self._waiting: dict[Link, int] = {}
        self._sleep: trio.CancelScope | None = None  # the reactor's wait, to move its deadline
        self._close_timeout_s = close_timeout_s
        # blocking in our own epoll is only right on the real clock (a MockClock must jump)
        self._direct_waits = (
            not isinstance(trio.lowlevel.current_clock(), trio.testing.MockClock)
            if direct_waits is None
            else direct_waits
        )
        self.links: list[Link] = []

    async def resolve(self, url: str) -> None:
        """Look the URL's host up once (connects then need no lookup); a failure is kept and
        reported by every connect attempt, as a per-connect lookup would."""
        host, port, *_ = parse_websocket_url(url)
        if (host, port) in self._addresses:
            return
        try:
            infos = await trio.socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            self._addresses[host, port] = [
                _Address(info[0], info[4]) for info in infos if isinstance(info[4][0], str)
            ]
        except OSError as exc:
            self._addresses[host, port] = exc

    def add(self, conn: StationConnection, local_address: str | None = None) -> Link:
        """Start driving ``conn`` now (it connects at once)."""
        link = Link(conn, self._endpoint(conn.url), local_address)
        self.links.append(link)
        self._drive(link, trio.current_time())
        return link

    def _endpoint(self, url: str) -> WebSocketTarget:
        """Where ``url`` points, parsed once per CSMS (the station id at its end changes only the
        path, which the connection core puts in its upgrade request)."""
        base = url.rsplit("/", 1)[0]
        endpoint = self._endpoints.get(base)
        if endpoint is None:
            endpoint = self._endpoints[base] = parse_websocket_url(url)
        return endpoint

    def stop(self, link: Link) -> None:
        """``link``'s station leaves now: a close frame (or no connect), then no reconnect."""
        link.conn.close(trio.current_time())
        self._drive(link, trio.current_time())

    @property
    def closed(self) -> bool:
        """The reactor has run and closed every connection."""
        return self._epoll.closed

    def nudge(self, link: Link) -> None:
        """Something outside changed ``link``'s station (a person at its display): run what is
        due, send what it queued, wake the reactor for its next deadline."""
        now = trio.current_time()
        link.conn.wakeup(now)
        self._drive(link, now)

    def begin_drain(self, link: Link, drain: DrainSink) -> bool:
        taking_part = link.conn.begin_drain(drain, trio.current_time())
        self._drive(link, trio.current_time())
        return taking_part

    async def run(self) -> None:
        """Drive every link until cancelled; then close the open connections politely."""
        try:
            await self._loop()
        finally:
            with trio.CancelScope(shield=True):
                await self._close_all()

    # --- the loop ----------------------------------------------------------------------------

    async def _loop(self) -> None:
        epoll = self._epoll
        epfd = epoll.fileno()
        timers = self._timers
        by_fd = self._by_fd
        events: list[tuple[int, int]] = []
        while True:
            if len(events) < _MAX_EVENTS:  # a full batch: more may be ready, read on first
                due = timers.next_due()
                now = trio.current_time()
                if due <= now:
                    await trio.lowlevel.checkpoint()  # the CSMS and the other tasks get their turn
                    events = epoll.poll(0, _MAX_EVENTS)
                elif self._direct_waits and (alone := await _alone_for(due)) is not None:
                    # nothing else in this process waits for I/O or is runnable: block in our own
                    # epoll, bounded by trio's next deadline (no trip through trio's scheduler)
                    wait_s, trio_is_due = alone
                    events = epoll.poll(wait_s, _MAX_EVENTS)
                    if trio_is_due:
                        await trio.lowlevel.checkpoint()  # trio's deadlines, signals, wake-ups
                else:
                    with trio.CancelScope(deadline=due) as self._sleep:
                        await trio.lowlevel.wait_readable(epfd)
                    self._sleep = None
                    events = epoll.poll(0, _MAX_EVENTS)
            else:
                await trio.lowlevel.checkpoint()
                events = epoll.poll(0, _MAX_EVENTS)
            now = trio.current_time()
            for fd, mask in events:
                link = by_fd.get(fd)
                if link is not None:
                    self._ready(link, mask, now)
            self._fire_timers(trio.current_time())

    def _fire_timers(self, now: float) -> None:
        timers = self._timers
        while due := timers.pop_due(now):  # a link's step may make it due again at once
            for link in due:
                link.conn.wakeup(now)
                self._drive(link, now)

    def _schedule(self, link: Link, due: float) -> None:
        if due == link.timer_due:
            return
        self._timers.schedule(link, due)
        sleep = self._sleep
        if sleep is not None and due < sleep.deadline:
            sleep.deadline = due  # called from another task (the ramp): wake the reactor earlier

    def calls_waiting(self) -> int:
        """CALLs waiting in all the stations' queues (the generator monitor's once-a-second count)."""
        waiting = self._waiting
        for link in self._touched:
            count = link.conn.calls_waiting()
            if count:
                waiting[link] = count
            else:
                waiting.pop(link, None)
        self._touched.clear()
        return sum(waiting.values())

    def _drive(self, link: Link, now: float) -> None:
        """After anything happened to ``link``: open, write, close as its connection wants."""
        self._touched.add(link)
        conn = link.conn
        if conn.wants_transport:
            self._open(link, now)
        data = conn.data_to_send()
        if data and link.sock is not None:
            self._write(link, data)
        if conn.wants_close and link.sock is not None and not link.backlog:
            self._close(link)
            conn.transport_closed(now)
        elif conn.wants_close and link.sock is None:
            conn.transport_closed(now)
        self._schedule(link, conn.next_wakeup())

    # --- sockets -----------------------------------------------------------------------------

    def _open(self, link: Link, now: float) -> None:
        conn = link.conn
        conn.transport_opening(now)
        link.addresses_tried = 0
        try:
            self._connect_next(link)
        except (OSError, ValueError) as exc:
            conn.transport_failed(exc, now)

    def _connect_next(self, link: Link) -> None:
        host, port, *_ = link.endpoint
        addresses = self._addresses.get((host, port))
        if addresses is None:
            raise OSError(errno.EDESTADDRREQ, f"{host}:{port} was not resolved before connecting")
        if isinstance(addresses, OSError):
            raise addresses
        address = addresses[link.addresses_tried]
        link.addresses_tried += 1
        sock = socket.socket(address.family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if link.local_address is not None:
                sock.setsockopt(socket.IPPROTO_IP, _IP_BIND_ADDRESS_NO_PORT, 1)
                sock.bind((link.local_address, 0))
            code = sock.connect_ex(address.sockaddr)
            if code not in (0, errno.EINPROGRESS):
                raise OSError(code, _strerror(code))
        except BaseException:
            sock.close()
            raise
        link.sock = sock
        link.connecting = True
        self._by_fd[sock.fileno()] = link
        self._epoll.register(sock.fileno(), _WRITE)

    def _ready(self, link: Link, mask: int, now: float) -> None:
        conn = link.conn
        try:
            if link.connecting:
                self._connected(link, now)
            else:
                if mask & _WRITE and link.backlog:
                    self._send_backlog(link)
                if mask & (_READ | select.EPOLLHUP | select.EPOLLERR):
                    self._read(link, now)
        except (OSError, ssl.SSLError) as exc:
            conn.transport_failed(exc, now)
        self._drive(link, now)

    def _connected(self, link: Link, now: float) -> None:
        sock = link.sock
        assert sock is not None
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            host, port, *_ = link.endpoint
            addresses = self._addresses[host, port]
            self._close(link)
            if isinstance(addresses, list) and link.addresses_tried < len(addresses):
                self._connect_next(link)  # as trio's connect: try the host's next address
                return
            raise OSError(code, _strerror(code))
        link.connecting = False
        self._epoll.modify(sock.fileno(), _READ)
        conn = link.conn
        if link.endpoint.secure:
            self._start_tls(link)
            return
        conn.transport_open(now)

    def _start_tls(self, link: Link) -> None:
        conn = link.conn
        context = conn.tls_context()
        host = link.endpoint.host
        link.tls_in, link.tls_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        link.tls = context.wrap_bio(link.tls_in, link.tls_out, server_hostname=host)
        link.tls_shaking = True
        self._tls_handshake(link)

    def _tls_handshake(self, link: Link) -> bool:
        """One step of the TLS handshake; True once it is complete."""
        assert link.tls is not None and link.tls_out is not None
        try:
            link.tls.do_handshake()
        except ssl.SSLWantReadError:
            self._send_raw(link, link.tls_out.read())
            return False
        self._send_raw(link, link.tls_out.read())
        link.tls_shaking = False
        return True

    def _read(self, link: Link, now: float) -> None:
        sock = link.sock
        assert sock is not None
        try:
            data = sock.recv(_RECEIVE_BYTES)
        except BlockingIOError:
            return
        conn = link.conn
        if link.tls is not None:
            self._read_tls(link, data, now)
        elif data:
            conn.receive_data(data, now)
        else:
            conn.transport_eof(now)

    def _read_tls(self, link: Link, data: bytes, now: float) -> None:
        assert link.tls is not None and link.tls_in is not None and link.tls_out is not None
        if data:
            link.tls_in.write(data)
        else:
            link.tls_in.write_eof()
        if link.tls_shaking:
            if not self._tls_handshake(link):
                if not data:
                    link.conn.transport_eof(now)
                return
            link.conn.transport_open(trio.current_time())
        chunks: list[bytes] = []
        eof = False
        while True:
            try:
                chunk = link.tls.read(_RECEIVE_BYTES)
            except ssl.SSLWantReadError:
                break
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                eof = True
                break
            if not chunk:
                eof = True
                break
            chunks.append(chunk)
        pending = link.tls_out.read()
        if pending:
            self._send_raw(link, pending)
        if chunks:
            link.conn.receive_data(b"".join(chunks), now)
        if eof or not data:
            link.conn.transport_eof(now)

    def _write(self, link: Link, data: bytes) -> None:
        if link.tls is not None:
            assert link.tls_out is not None
            link.tls.write(data)
            data = link.tls_out.read()
        self._send_raw(link, data)

    def _send_raw(self, link: Link, data: bytes) -> None:
        if not data:
            return
        if link.backlog:
            link.backlog += data
            return
        sock = link.sock
        assert sock is not None
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):
            link.backlog += data[sent:]
            self._epoll.modify(sock.fileno(), _READ | _WRITE)

    def _send_backlog(self, link: Link) -> None:
        sock = link.sock
        assert sock is not None
        try:
            sent = sock.send(link.backlog)
        except BlockingIOError:
            return
        del link.backlog[:sent]
        if not link.backlog:
            self._epoll.modify(sock.fileno(), _READ)

    def _close(self, link: Link) -> None:
        sock = link.sock
        if sock is None:
            return
        fd = sock.fileno()
        self._by_fd.pop(fd, None)
        with contextlib.suppress(OSError, ValueError):
            self._epoll.unregister(fd)
        sock.close()
        link.sock = None
        link.connecting = False
        link.backlog.clear()
        link.tls = link.tls_in = link.tls_out = None
        link.tls_shaking = False

    # --- the end -----------------------------------------------------------------------------

    async def _close_all(self) -> None:
        """Send every open connection a close frame, wait (bounded) for the answers, close all."""
        now = trio.current_time()
        for link in self.links:
            if link.sock is not None:
                link.conn.close(now)
                self._flush_quietly(link)
        with trio.move_on_after(self._close_timeout_s):
            while any(link.sock is not None and not link.conn.wants_close for link in self.links):
                with trio.move_on_after(0.05):
                    await trio.lowlevel.wait_readable(self._epoll.fileno())
                now = trio.current_time()
                for fd, _ in self._epoll.poll(0, _MAX_EVENTS):
                    closing = self._by_fd.get(fd)
                    if closing is not None:
                        try:
                            self._read(closing, now)
                        except (OSError, ssl.SSLError):
                            self._close(closing)
                        if closing.conn.wants_close:  # done; its end of file would spin this loop
                            self._close(closing)
        for link in self.links:
            self._close(link)
        self._epoll.close()

    def _flush_quietly(self, link: Link) -> None:
        data = link.conn.data_to_send()
        try:
            if data:
                self._write(link, data)
        except (OSError, ssl.SSLError):
            self._close(link)


async def _alone_for(due: float) -> tuple[float, bool] | None:
    """``_time_alone`` until ``due``, asked after one more checkpoint. The reactor resumes from
    every yield in a batch of tasks trio made runnable at the same moment (a sleeper whose deadline
    just passed, say), and the rest of that batch is not in ``tasks_runnable`` while the reactor
    runs: blocking in epoll then would hold them up to _ALONE_CAP_S (it did: the loop-lag monitor
    woke 50-70 ms late in idle runs). Yielding once more lets that batch run first."""
    await trio.lowlevel.checkpoint()
    return _time_alone(due - trio.current_time())


def _time_alone(wanted_s: float) -> tuple[float, bool] | None:
    """How long the reactor may block in its own epoll, and whether trio is due when it wakes:
    None when another task of the process is runnable or waits for I/O (trio's scheduler must
    run); else ``wanted_s`` bounded by trio's next deadline and by _ALONE_CAP_S (so signals and
    trio's own wake-ups are seen soon)."""
    wanted_s = max(0.0, wanted_s)  # never negative: epoll.poll(-x) blocks for good
    stats = trio.lowlevel.current_statistics()
    io = stats.io_statistics
    waiting = io.tasks_waiting_read + io.tasks_waiting_write  # epoll's statistics: the reactor is epoll-only
    if stats.tasks_runnable or waiting > _TRIO_OWN_WAITERS or stats.run_sync_soon_queue_size:
        return None
    trio_wants = min(stats.seconds_to_next_deadline, _ALONE_CAP_S)
    if wanted_s < trio_wants:
        return wanted_s, False
    return max(0.0, trio_wants), True


def _strerror(code: int) -> str:
    return os.strerror(code)
