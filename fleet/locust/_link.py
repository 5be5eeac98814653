"""One station's connection core over one plain socket: the I/O of a Locust user.

``fleet.connection.StationConnection`` is sans-IO (handshake, framing, the station and its timers,
close, backoff, reconnects, simulated outages). ``SocketLink`` moves its bytes and time exactly as
the trio engine's reactor does, for one station, with blocking calls of the standard library:

    wants_transport -> transport_opening, connect TCP (+TLS) -> transport_open / transport_failed
    data_to_send    -> sendall
    wants_close     -> close the socket -> transport_closed
    otherwise       -> recv with the time to next_wakeup() as the timeout (sleep when there is no
                       socket) -> receive_data / transport_eof / transport_failed; wakeup once due

Locust monkey-patches ``socket``, ``ssl`` and ``time.sleep`` with gevent, so every blocking call
here is a greenlet switch and one greenlet per station is cheap; this module imports no gevent,
so the tests drive it in a thread. The loop has no reconnect, backoff, outage or reboot logic of
its own: it only follows what the connection wants.
"""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable

from fleet.connection import Phase, StationConnection, parse_websocket_url
from fleet.locust._reporting import EventReporter

_RECEIVE_BYTES = 2**16
_IDLE_S = 3600.0  # the longest sleep when the connection wants nothing (it always wants something)
_MIN_TIMEOUT_S = 0.001  # what is left of the connect timeout for TLS, at least


class SendStalled(OSError):
    """The CSMS took none of the station's data for the send timeout."""


class SocketLink:
    """Drives ``conn`` over one socket at a time (one per connection attempt)."""

    def __init__(
        self,
        conn: StationConnection,
        reporter: EventReporter,
        *,
        connect_timeout_s: float,
        close_timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.conn = conn
        self.sock: socket.socket | None = None
        self._reporter = reporter
        self._connect_timeout_s = connect_timeout_s
        self._close_timeout_s = close_timeout_s
        self._clock = clock
        self._sleep = sleep

    def run(self, until: float = math.inf) -> None:
        """Drive the connection until real time ``until`` (Locust: until it kills the greenlet)."""
        while self.conn.phase is not Phase.STOPPED and self._clock() < until:
            self.step(until)

    def step(self, until: float = math.inf) -> None:
        """One pass: open, write, close as the connection wants; then run what is due, or wait for
        data or the next wake-up (bounded by real time ``until``)."""
        conn = self.conn
        if conn.wants_transport:
            self._open()
        self._send(conn.data_to_send())
        if conn.wants_close:
            self._close_socket()
            conn.transport_closed(self._clock())
            return
        now = self._clock()
        due = conn.next_wakeup()
        if now >= due:
            self._reporter.response_length = 0  # what the timers cause
            conn.wakeup(now)
            return
        wait = min(due, until) - now
        if wait <= 0:
            return
        if self.sock is None:
            self._sleep(min(wait, _IDLE_S))
        else:
            self._receive(self.sock, wait)

    def stop(self) -> None:
        """The user stops: a close frame, the peer's answer awaited (bounded by the close timeout),
        the socket closed. Reports nothing: the stop is not the CSMS's doing. The connection is
        not driven again (it would reconnect: a stopped user does not)."""
        conn = self.conn
        self._reporter.mute()
        now = self._clock()
        conn.close(now)
        sock = self.sock
        if sock is not None:
            deadline = now + self._close_timeout_s
            try:
                data = conn.data_to_send()
                if data:
                    sock.settimeout(self._close_timeout_s)
                    sock.sendall(data)
                while not conn.wants_close and (left := deadline - self._clock()) > 0:
                    sock.settimeout(left)
                    data = sock.recv(_RECEIVE_BYTES)
                    if data:
                        conn.receive_data(data, self._clock())
                    else:
                        conn.transport_eof(self._clock())
            except OSError:
                pass  # the peer is gone already: nothing left to close politely
        self._close_socket()  # as the reactor ends a run: the connection is not driven again

    # --- sockets -------------------------------------------------------------------------------

    def _open(self) -> None:
        conn = self.conn
        now = self._clock()
        conn.transport_opening(now)
        self._reporter.connecting(now)
        deadline = now + self._connect_timeout_s
        target = parse_websocket_url(conn.url)
        try:
            sock = socket.create_connection((target.host, target.port), timeout=self._connect_timeout_s)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if target.secure:
                    sock.settimeout(max(_MIN_TIMEOUT_S, deadline - self._clock()))
                    sock = conn.tls_context().wrap_socket(sock, server_hostname=target.host)
            except BaseException:
                sock.close()
                raise
        except (OSError, ValueError) as exc:  # ssl.SSLError, socket.gaierror, TimeoutError: OSErrors
            conn.transport_failed(exc, self._clock())
            return
        self.sock = sock
        conn.transport_open(self._clock())

    def _send(self, data: bytes) -> None:
        sock = self.sock
        if not data or sock is None:
            return
        # a CSMS that reads nothing must not hold the station's timers for ever
        sock.settimeout(self._connect_timeout_s)
        try:
            sock.sendall(data)
        except TimeoutError:
            stalled = SendStalled(f"the CSMS took no data for {self._connect_timeout_s:g} s")
            self.conn.transport_failed(stalled, self._clock())
        except OSError as exc:
            self.conn.transport_failed(exc, self._clock())

    def _receive(self, sock: socket.socket, timeout: float) -> None:
        sock.settimeout(timeout if timeout < math.inf else None)
        try:
            data = sock.recv(_RECEIVE_BYTES)
        except TimeoutError:
            return  # the next wake-up is due
        except OSError as exc:
            self.conn.transport_failed(exc, self._clock())
            return
        now = self._clock()
        if data:
            self._reporter.response_length = len(data)
            self.conn.receive_data(data, now)
        else:
            self.conn.transport_eof(now)

    def _close_socket(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()
