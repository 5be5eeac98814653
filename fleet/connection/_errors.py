"""One vocabulary for the ways a station's connection fails: (kind, one line a user can act on).

Both shells connect with the standard library's sockets and ``ssl`` (non-blocking under the trio
reactor, gevent-patched under Locust) and the handshake of ``_handshake``, so the same failure is
named the same way whichever shell met it.
"""

from __future__ import annotations

import socket
import ssl

from fleet.connection._handshake import HandshakeFailed, SubprotocolRefused, UpgradeRejected

REFUSED = "refused"
DNS = "dns"
TLS = "tls"
TIMEOUT = "timeout"
HTTP_STATUS = "http_status"
SUBPROTOCOL = "subprotocol"
CLOSED = "closed"
OTHER = "connect_error"
CONNECTION_LOST = "connection_lost"  # an open connection broke (the kind of every later failure)
# the security-profile failures, each with its own fix (README: "security profiles")
AUTH = "auth_rejected"  # HTTP 401: wrong or missing Basic auth password
NOT_FOUND = "not_found"  # HTTP 404: no OCPP endpoint at that path
SERVER_CERTIFICATE = "server_certificate"  # the CSMS's certificate is not trusted
CLIENT_CERTIFICATE = "client_certificate"  # the CSMS refused the station's certificate (TLS alert)

# OpenSSL's names for the alerts a server sends when it refuses the client's certificate
CLIENT_CERTIFICATE_ALERTS = {
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "certificate expired",
    "SSLV3_ALERT_BAD_CERTIFICATE": "bad certificate",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "certificate revoked",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "certificate unknown",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "unsupported certificate",
    "TLSV1_ALERT_UNKNOWN_CA": "certificate signed by a CA the CSMS does not trust",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "no client certificate was sent",
}
# refused upgrades a user fixes on their side: status -> (kind, what to check)
REJECTIONS = {
    401: (
        AUTH,
        "the CSMS refused the station's password: check --password, --password-pattern "
        "or the stations file for this station id",
    ),
    404: (
        NOT_FOUND,
        "no OCPP endpoint at this path: check the --csms URL (the station id is appended to it)",
    ),
}


class ConnectTimeout(Exception):
    """TCP, TLS and the upgrade together took longer than the connect timeout."""


class PeerClosed(Exception):
    """The peer ended an open connection: a close frame (code, reason) or a bare TCP close."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def rejection(status_code: int, body: bytes, url: str) -> tuple[str, str]:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")[:200]
    detail = f": {text}" if text else ""
    if status_code in REJECTIONS:
        kind, fix = REJECTIONS[status_code]
        return kind, f"{url}: HTTP {status_code}{detail}; {fix}"
    return HTTP_STATUS, f"{url}: the CSMS refused the WebSocket upgrade with HTTP {status_code}{detail}"


def classify_error(exc: BaseException, url: str) -> tuple[str, str]:
    """(kind, one-line reason) for a failed connection attempt to ``url``, or a broken one."""
    if isinstance(exc, UpgradeRejected):
        return rejection(exc.status_code, exc.body, url)
    if isinstance(exc, SubprotocolRefused):
        return SUBPROTOCOL, f"{url}: {exc}"
    if isinstance(exc, ConnectTimeout | TimeoutError):
        return TIMEOUT, f"{url}: no WebSocket handshake within the connect timeout"
    if isinstance(exc, HandshakeFailed):
        return OTHER, f"{url}: WebSocket handshake failed: {exc}"
    if isinstance(exc, PeerClosed):
        return CLOSED, f"{url}: the CSMS closed the connection ({exc.reason})"
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED, f"{url}: connection refused (is the CSMS running and listening on that port?)"
    if isinstance(exc, socket.gaierror):
        return DNS, f"{url}: host name could not be resolved ({exc.strerror})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            SERVER_CERTIFICATE,
            f"{url}: the CSMS's TLS certificate is not trusted ({exc.verify_message}); "
            "give its CA with --ca-file (--insecure only for a test CSMS)",
        )
    if isinstance(exc, ssl.SSLError) and getattr(exc, "reason", None) in CLIENT_CERTIFICATE_ALERTS:
        return (
            CLIENT_CERTIFICATE,
            f"{url}: the CSMS refused the station's client certificate "
            f"(TLS alert: {CLIENT_CERTIFICATE_ALERTS[exc.reason]}); check --client-cert-pattern "
            "and that the certificate is valid and signed by a CA the CSMS trusts",
        )
    if isinstance(exc, ssl.SSLError):
        return TLS, f"{url}: TLS handshake failed ({getattr(exc, 'reason', None) or exc})"
    if isinstance(exc, OSError):
        return OTHER, f"{url}: {exc.strerror or exc}"
    return OTHER, f"{url}: {type(exc).__name__}: {exc}"
