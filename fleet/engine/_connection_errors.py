"""Turn the many ways a WebSocket connect can fail into one (kind, reason) a user can act on."""

from __future__ import annotations

import socket

import trio
import trio_websocket

from fleet.connection import (
    AUTH,
    CLIENT_CERTIFICATE,
    CLOSED,
    DNS,
    HTTP_STATUS,
    NOT_FOUND,
    OTHER,
    REFUSED,
    SERVER_CERTIFICATE,
    SUBPROTOCOL,
    TIMEOUT,
    TLS,
    ConnectTimeout,
    SubprotocolRefused,
    classify_error,
    rejection,
)

__all__ = [
    "AUTH",
    "CLIENT_CERTIFICATE",
    "CLOSED",
    "DNS",
    "HTTP_STATUS",
    "NOT_FOUND",
    "OTHER",
    "REFUSED",
    "SERVER_CERTIFICATE",
    "SUBPROTOCOL",
    "TIMEOUT",
    "TLS",
    "SubprotocolRefused",
    "classify_connect_error",
]


def classify_connect_error(exc: BaseException, url: str) -> tuple[str, str]:
    """(kind, one-line reason) for a failed connection attempt to ``url``: trio-websocket's and
    trio's own exception types here, everything else in fleet.connection's one vocabulary."""
    if isinstance(exc, trio_websocket.ConnectionRejected):
        return rejection(exc.status_code, exc.body or b"", url)
    if isinstance(exc, trio_websocket.ConnectionTimeout | trio.TooSlowError):
        return classify_error(ConnectTimeout(), url)
    if type(exc) is trio_websocket.HandshakeError and exc.__cause__ is not None:
        # trio-websocket wraps the socket-level failure; its cause says what happened
        return classify_connect_error(exc.__cause__, url)
    if isinstance(exc, trio_websocket.HandshakeError):
        return OTHER, f"{url}: WebSocket handshake failed: {exc!r}"
    if isinstance(exc, trio.BrokenResourceError) and exc.__cause__ is not None:
        # trio reports a TLS failure as a broken stream caused by the ssl error
        return classify_connect_error(exc.__cause__, url)
    if isinstance(exc, trio_websocket.ConnectionClosed):
        return CLOSED, f"{url}: the CSMS closed the connection ({exc.reason})"
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionRefusedError | socket.gaierror):
        # trio's connect tries every address and reports the failures as the cause of one OSError
        attempts = exc.__cause__
        if isinstance(attempts, BaseExceptionGroup) and attempts.exceptions:
            leaves = attempts.exceptions
            if all(isinstance(leaf, ConnectionRefusedError) for leaf in leaves):
                return classify_connect_error(leaves[0], url)
            return OTHER, f"{url}: {leaves[0]}"
    return classify_error(exc, url)
