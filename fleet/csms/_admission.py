"""Connections that have not upgraded yet: how many the embedded CSMS holds, and for how long.

Every accepted TCP connection is *pending* until its HTTP upgrade request has arrived; the
WebSocket server cuts it off ``timeout_s`` after it was accepted (after its TLS handshake, for
wss://), so a slowloris client that trickles its request gets no longer than that. At most
``limit`` connections are pending at once: one more is closed as soon as it is accepted (and
logged), so idle sockets cannot use up the server's memory or file descriptors while stations
that send their upgrade at once still get in.

A pending entry lives until the upgrade request arrives (``upgraded``) or its deadline, which is
when the server closes the connection anyway, so the count needs no hook on the stream's close.
"""

from __future__ import annotations

import trio

from fleet.csms._log_limiter import LogLimiter

Peer = tuple[str, int]  # the client's (address, port)


class Admission:
    def __init__(self, limit: int, timeout_s: float) -> None:
        self.limit = limit
        self.timeout_s = timeout_s
        self._pending: dict[Peer, float] = {}  # peer -> deadline, in deadline order

    def __len__(self) -> int:
        return len(self._pending)

    def admit(self, peer: Peer, now: float) -> bool:
        """Count a new connection as pending; False (count unchanged) when ``limit`` are."""
        self._expire(now)
        if len(self._pending) >= self.limit:
            return False
        self._pending[peer] = now + self.timeout_s
        return True

    def restart(self, peer: Peer, now: float) -> None:
        """The TLS handshake is done: the upgrade request gets its own ``timeout_s`` from now."""
        if self._pending.pop(peer, None) is not None:
            self._pending[peer] = now + self.timeout_s

    def upgraded(self, peer: Peer) -> None:
        """The upgrade request arrived (or the connection closed): no longer pending."""
        self._pending.pop(peer, None)

    def _expire(self, now: float) -> None:
        pending = self._pending
        while pending:
            peer = next(iter(pending))
            if pending[peer] > now:
                return
            del pending[peer]


def peer_of(sock: trio.socket.SocketType) -> Peer | None:
    """The client's (address, port), None if it is gone already."""
    try:
        address, port = sock.getpeername()[:2]
    except OSError:
        return None
    return str(address), int(port)


class AdmissionListener(trio.abc.Listener[trio.SocketStream]):
    """A TCP listener that hands out only the connections ``admission`` admits; the others are
    closed at once, with a (rate-limited) log line."""

    def __init__(self, transport: trio.SocketListener, admission: Admission, log: LogLimiter) -> None:
        self.transport = transport
        self.socket = transport.socket
        self._admission = admission
        self._log = log

    @property
    def port(self) -> int:
        port: int = self.socket.getsockname()[1]
        return port

    async def accept(self) -> trio.SocketStream:
        while True:
            stream = await self.transport.accept()
            peer = peer_of(stream.socket)
            now = trio.current_time()
            if peer is not None and self._admission.admit(peer, now):
                return stream
            if peer is not None:
                self._log.warn(
                    "refused connections",
                    f"refused a connection from {peer[0]}: {len(self._admission)} connections are "
                    f"already waiting to upgrade (--max-pending-upgrades {self._admission.limit})",
                    now,
                )
            await trio.aclose_forcefully(stream)

    async def aclose(self) -> None:
        await self.transport.aclose()
