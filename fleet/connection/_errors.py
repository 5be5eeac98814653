"""One vocabulary for the ways a station's connection fails: (kind, one line a user can act on).

Both shells connect with the standard library's sockets and ``ssl`` (non-blocking under the trio
reactor, gevent-patched under Locust) and the handshake of ``_handshake``, so the same failure is
named the same way whichever shell met it.
"""

from __future__ import annotations

import re
import socket
import ssl

from fleet.connection._handshake import HandshakeFailed, SubprotocolRefused, UpgradeRejected
from fleet.identity import RUN_OPTIONS, OptionNames

REFUSED = "refused"
DNS = "dns"
TLS = "tls"
TIMEOUT = "timeout"
HTTP_STATUS = "http_status"
SUBPROTOCOL = "subprotocol"
CLOSED = "closed"
OTHER = "connect_error"
CONNECTION_LOST = "connection_lost"  # an open connection broke (the kind of every later failure)
PROTOCOL_ERROR = "protocol_error"  # the CSMS sent a frame the station refused (RemoteProtocolError)
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
# X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED: the certificate's dates, not its CA
_CERTIFICATE_OUT_OF_DATE = (9, 10)


def _rejection_fix(status_code: int, names: OptionNames) -> tuple[str, str] | None:
    """A refused upgrade a user fixes on their side: (kind, what to check), in the shell's words."""
    if status_code == 401:
        sources = (
            f"{names('password')}, {names('password-pattern')} or the stations file for this station id"
            if names.stations_file
            else f"{names('password')} or {names('password-pattern')}"
        )
        return AUTH, f"the CSMS refused the station's password: check {sources}"
    if status_code == 404:
        appended = "(the station id is appended to it)"
        return NOT_FOUND, f"no OCPP endpoint at this path: check the {names.csms_url} URL {appended}"
    return None


class ConnectTimeout(Exception):
    """TCP, TLS and the upgrade together took longer than the connect timeout."""


class PeerClosed(Exception):
    """The peer ended an open connection: a close frame (code, reason) or a bare TCP close."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StationClosed(Exception):
    """The station closed an open connection because the CSMS broke the WebSocket protocol (close
    code 1002, 1007 or 1009 sent by the station); ``reason`` says how, e.g. "frame of 2000000 bytes
    over the limit of 1048576 (1009)"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def without_station(message: str, station_id: str) -> str:
    """``message`` with the station id, where it stands as a word of its own (a CSMS's answer may
    quote it), replaced by ``<station id>``: errors are grouped by their message, and a fleet's
    worth of ids would make one group per station. The id goes to the recorder on its own."""
    if not station_id or station_id not in message:
        return message
    return re.sub(rf"(?<![\w-]){re.escape(station_id)}(?![\w-])", "<station id>", message)


def rejection(status_code: int, body: bytes, url: str, names: OptionNames = RUN_OPTIONS) -> tuple[str, str]:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")[:200]
    detail = f": {text}" if text else ""
    fix = _rejection_fix(status_code, names)
    if fix is not None:
        kind, what = fix
        return kind, f"{url}: HTTP {status_code}{detail}; {what}"
    return HTTP_STATUS, f"{url}: the CSMS refused the WebSocket upgrade with HTTP {status_code}{detail}"


def classify_error(exc: BaseException, url: str, names: OptionNames = RUN_OPTIONS) -> tuple[str, str]:
    """(kind, one-line reason) for a failed connection attempt to ``url``, or a broken one; the
    fixes it names are spelled as the shell's options (``names``)."""
    if isinstance(exc, UpgradeRejected):
        return rejection(exc.status_code, exc.body, url, names)
    if isinstance(exc, SubprotocolRefused):
        return SUBPROTOCOL, f"{url}: {exc}"
    if isinstance(exc, ConnectTimeout | TimeoutError):
        return TIMEOUT, f"{url}: no WebSocket handshake within the connect timeout"
    if isinstance(exc, HandshakeFailed):
        return OTHER, f"{url}: WebSocket handshake failed: {exc}"
    if isinstance(exc, PeerClosed):
        return CLOSED, f"{url}: the CSMS closed the connection ({exc.reason})"
    if isinstance(exc, StationClosed):
        return PROTOCOL_ERROR, f"{url}: the station closed the connection: {exc.reason}"
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED, f"{url}: connection refused (is the CSMS running and listening on that port?)"
    if isinstance(exc, socket.gaierror):
        return DNS, f"{url}: host name could not be resolved ({exc.strerror})"
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_code in _CERTIFICATE_OUT_OF_DATE:
        # trusted but out of date: no CA option fixes that (it may be the one already given)
        return (
            SERVER_CERTIFICATE,
            f"{url}: the CSMS's TLS certificate is not valid now ({exc.verify_message}); renew it on "
            "the CSMS, or check the clocks of this machine and the CSMS",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            SERVER_CERTIFICATE,
            f"{url}: the CSMS's TLS certificate is not trusted ({exc.verify_message}); "
            f"give its CA with {names('ca-file')} ({names('insecure')} only for a test CSMS)",
        )
    if isinstance(exc, ssl.SSLError) and getattr(exc, "reason", None) in CLIENT_CERTIFICATE_ALERTS:
        return (
            CLIENT_CERTIFICATE,
            f"{url}: the CSMS refused the station's client certificate "
            f"(TLS alert: {CLIENT_CERTIFICATE_ALERTS[exc.reason]}); check {names('client-cert-pattern')} "
            "and that the certificate is valid and signed by a CA the CSMS trusts",
        )
    if isinstance(exc, ssl.SSLError):
        return TLS, f"{url}: TLS handshake failed ({getattr(exc, 'reason', None) or exc})"
    if isinstance(exc, OSError):
        return OTHER, f"{url}: {exc.strerror or exc}"
    return OTHER, f"{url}: {type(exc).__name__}: {exc}"
