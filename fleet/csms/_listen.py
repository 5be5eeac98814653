"""A TCP listener several processes can share: SO_REUSEPORT, the kernel spreads connections.

With ``fleet csms --workers N`` every worker binds the same port; Linux hashes each new
connection (by its address 4-tuple) to one of the listening sockets, so a station's connection
stays on one worker for its whole life.
"""

from __future__ import annotations

import socket

import trio

_BACKLOG = 4096  # a boot storm of thousands of stations must not overflow the accept queue


async def open_shared_listener(host: str, port: int) -> trio.SocketListener:
    """Listen on ``host:port`` with SO_REUSEPORT (``port`` 0 picks a free one; read it back with
    ``listener.socket.getsockname()``)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise OSError("SO_REUSEPORT is not available on this platform: run the CSMS with --workers 1")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = trio.socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        await sock.bind((host, port))
        sock.listen(_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return trio.SocketListener(sock)
