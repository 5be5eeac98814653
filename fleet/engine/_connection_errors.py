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
# the security-profile failures, each with its own fix (README: "security profiles")
AUTH = "auth_rejected"  # HTTP 401: wrong or missing Basic auth password
NOT_FOUND = "not_found"  # HTTP 404: no OCPP endpoint at that path
SERVER_CERTIFICATE = "server_certificate"  # the CSMS's certificate is not trusted
CLIENT_CERTIFICATE = "client_certificate"  # the CSMS refused the station's certificate (TLS alert)

# OpenSSL's names for the alerts a server sends when it refuses the client's certificate
_CLIENT_CERTIFICATE_ALERTS = {
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "certificate expired",
    "SSLV3_ALERT_BAD_CERTIFICATE": "bad certificate",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "certificate revoked",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "certificate unknown",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "unsupported certificate",
    "TLSV1_ALERT_UNKNOWN_CA": "certificate signed by a CA the CSMS does not trust",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "no client certificate was sent",
}
# refused upgrades a user fixes on their side: status -> (kind, what to check)
_REJECTIONS = {
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


class SubprotocolRefused(Exception):
    """The CSMS accepted the upgrade but did not select the OCPP subprotocol we offered."""


def classify_connect_error(exc: BaseException, url: str) -> tuple[str, str]:
    """(kind, one-line reason) for a failed connection attempt to ``url``."""
    if isinstance(exc, trio_websocket.ConnectionRejected):
        body = (exc.body or b"").decode("utf-8", "replace").strip().replace("\n", " ")[:200]
        detail = f": {body}" if body else ""
        if exc.status_code in _REJECTIONS:
            kind, fix = _REJECTIONS[exc.status_code]
            return kind, f"{url}: HTTP {exc.status_code}{detail}; {fix}"
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
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            SERVER_CERTIFICATE,
            f"{url}: the CSMS's TLS certificate is not trusted ({exc.verify_message}); "
            "give its CA with --ca-file (--insecure only for a test CSMS)",
        )
    if isinstance(exc, ssl.SSLError) and getattr(exc, "reason", None) in _CLIENT_CERTIFICATE_ALERTS:
        return (
            CLIENT_CERTIFICATE,
            f"{url}: the CSMS refused the station's client certificate "
            f"(TLS alert: {_CLIENT_CERTIFICATE_ALERTS[exc.reason]}); check --client-cert-pattern "
            "and that the certificate is valid and signed by a CA the CSMS trusts",
        )
    if isinstance(exc, trio.BrokenResourceError) and exc.__cause__ is not None:
        # trio reports a TLS failure as a broken stream caused by the ssl error
        return classify_connect_error(exc.__cause__, url)
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
