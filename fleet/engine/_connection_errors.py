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
    if isinstance(exc, trio_websocket.HandshakeError):
        return OTHER, f"{url}: WebSocket handshake failed: {exc!r}"
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED, f"{url}: connection refused (is the CSMS running and listening on that port?)"
    if isinstance(exc, socket.gaierror):
        return DNS, f"{url}: host name could not be resolved ({exc.strerror})"
    if isinstance(exc, ssl.SSLError):
        return TLS, f"{url}: TLS handshake failed ({exc.reason or exc})"
    if isinstance(exc, trio_websocket.ConnectionClosed):
        return CLOSED, f"{url}: the CSMS closed the connection ({exc.reason})"
    if isinstance(exc, OSError):
        # trio wraps per-address failures; a refused connect to every address arrives as OSError
        text = str(exc)
        if "refused" in text.lower() or "Connect call failed" in text:
            return REFUSED, f"{url}: connection refused (is the CSMS running and listening on that port?)"
        return OTHER, f"{url}: {exc.strerror or text}"
    return OTHER, f"{url}: {type(exc).__name__}: {exc}"
