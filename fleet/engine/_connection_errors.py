"""Turn the many ways a WebSocket connect can fail into one (kind, reason) a user can act on."""

from __future__ import annotations

import socket
import ssl

import trio
import trio_websocket

REFUSED = "refused"
DNS = "dns"
TLS = "tls"
TIMEOUT = "timeout"
HTTP_STATUS = "http_status"
SUBPROTOCOL = "subprotocol"
CLOSED = "closed"
OTHER = "connect_error"


class SubprotocolRefused(Exception):
    """The CSMS accepted the upgrade but did not select the OCPP subprotocol we offered."""


def classify_connect_error(exc: BaseException, url: str) -> tuple[str, str]:
    """(kind, one-line reason) for a failed connection attempt to ``url``."""
    if isinstance(exc, trio_websocket.ConnectionRejected):
        body = (exc.body or b"").decode("utf-8", "replace").strip().replace("\n", " ")[:200]
        detail = f": {body}" if body else ""
        return (
            HTTP_STATUS,
            f"{url}: the CSMS refused the WebSocket upgrade with HTTP {exc.status_code}{detail}",
        )
    if isinstance(exc, SubprotocolRefused):
        return SUBPROTOCOL, f"{url}: {exc}"
    if isinstance(exc, (trio_websocket.ConnectionTimeout, trio.TooSlowError, TimeoutError)):
        return TIMEOUT, f"{url}: no WebSocket handshake within the connect timeout"
    if type(exc) is trio_websocket.HandshakeError and exc.__cause__ is not None:
        # trio-websocket wraps the socket-level failure; its cause says what happened
        return classify_connect_error(exc.__cause__, url)
    if isinstance(exc, trio_websocket.HandshakeError):
        return OTHER, f"{url}: WebSocket handshake failed: {exc!r}"
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED, f"{url}: connection refused (is the CSMS running and listening on that port?)"
    if isinstance(exc, socket.gaierror):
        return DNS, f"{url}: host name could not be resolved ({exc.strerror})"
    if isinstance(exc, ssl.SSLError):
        return TLS, f"{url}: TLS handshake failed ({getattr(exc, 'reason', None) or exc})"
    if isinstance(exc, trio_websocket.ConnectionClosed):
        return CLOSED, f"{url}: the CSMS closed the connection ({exc.reason})"
    if isinstance(exc, OSError):
        # trio's connect tries every address and reports the failures as the cause of one OSError
        attempts = exc.__cause__
        if isinstance(attempts, BaseExceptionGroup) and attempts.exceptions:
            leaves = attempts.exceptions
            if all(isinstance(leaf, ConnectionRefusedError) for leaf in leaves):
                return classify_connect_error(leaves[0], url)
            return OTHER, f"{url}: {leaves[0]}"
        return OTHER, f"{url}: {exc.strerror or exc}"
    return OTHER, f"{url}: {type(exc).__name__}: {exc}"
