"""A blocking WebSocket client on wsproto: cooperative under gevent, so one Locust user per station.

Why wsproto: it is sans-IO like the station core (bytes in, events out), already installed with
trio-websocket, and maintained by python-hyper (h11, h2). It makes no assumption about the socket,
so the plain ``socket``/``ssl`` modules work: Locust monkey-patches them with gevent, which turns
every blocking call here into a greenlet switch. A timeout on ``receive`` is a socket timeout.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from functools import cache
from urllib.parse import unquote, urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from fleet.identity import basic_auth_header

_DEFAULT_PORTS = {"ws": 80, "wss": 443}
_RECEIVE_BYTES = 65536
_MAX_HANDSHAKE_READS = 1000  # a handshake is a few reads; bounds a peer that trickles bytes


class WebSocketError(Exception):
    """The connection could not be opened, or it broke. The message says why, without the URL:
    the caller knows it (and leaves the station id out, so Locust groups the failures)."""


class HandshakeRefused(WebSocketError):
    """The server answered the upgrade with an HTTP status, or without our subprotocol."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code  # None: accepted, but without our subprotocol


class ConnectionClosed(WebSocketError):
    """The peer closed the connection (close frame or EOF)."""


# refused upgrades a user fixes on their side (the kinds and fixes of `fleet run`)
_REJECTIONS = {
    401: "auth_rejected (HTTP 401): the CSMS refused the station's password; check --fleet-password "
    "or --fleet-password-pattern (and --fleet-security-profile)",
    404: "not_found (HTTP 404): no OCPP endpoint at this path; check --host (the station id is appended)",
}


@cache
def _default_tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # loading the CA store: once per process


class WebSocketClient:
    """One client connection. ``connect`` opens it; ``send``/``receive`` move whole messages."""

    def __init__(
        self,
        url: str,
        subprotocol: str,
        *,
        connect_timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,  # wss://: None trusts the system store
        headers: list[tuple[bytes, bytes]] | None = None,  # e.g. Authorization (security profiles 1, 2)
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"{url!r}: a CSMS URL must be ws://host[:port]/path or wss://host[:port]/path")
        self.url = url
        self.subprotocol = subprotocol
        self._connect_timeout = connect_timeout
        self._tls_context = tls_context
        self._headers = list(headers or ())
        self._parts = parts
        self._sock: socket.socket | None = None
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._pending: list[str | bytes] = []  # whole messages received, not yet handed out
        self._partial_text: list[str] = []
        self._partial_bytes: list[bytes] = []
        self._closed = False

    def connect(self) -> None:
        """TCP (+ TLS for wss), then the upgrade. Raises WebSocketError (or OSError, ssl.SSLError,
        TimeoutError from the socket) saying why it failed."""
        parts = self._parts
        host = parts.hostname
        assert host is not None
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        sock = socket.create_connection((host, port), timeout=self._connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if parts.scheme == "wss":
                context = self._tls_context or _default_tls_context()
                sock = context.wrap_socket(sock, server_hostname=host)
            self._sock = sock
            self._handshake(host, port)
            sock.settimeout(None)
        except BaseException:
            sock.close()
            self._sock = None
            raise

    def _handshake(self, host: str, port: int) -> None:
        parts = self._parts
        bracketed = f"[{host}]" if ":" in host else host
        host_header = bracketed if port == _DEFAULT_PORTS[parts.scheme] else f"{bracketed}:{port}"
        headers = list(self._headers)
        if parts.username is not None and not headers:
            # credentials in the URL (ws://id:password@host/...): HTTP basic auth as well
            headers.append(basic_auth_header(unquote(parts.username), unquote(parts.password or "")))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._write(
            self._ws.send(
                Request(
                    host=host_header, target=target, subprotocols=[self.subprotocol], extra_headers=headers
                )
            )
        )
        for _ in range(_MAX_HANDSHAKE_READS):
            for event in self._read_events():
                if isinstance(event, AcceptConnection):
                    if event.subprotocol != self.subprotocol:
                        raise HandshakeRefused(
                            f"the CSMS did not accept subprotocol {self.subprotocol!r} "
                            f"(it selected {event.subprotocol!r}); is this an endpoint for that OCPP version?"
                        )
                    return
                if isinstance(event, RejectConnection):
                    raise HandshakeRefused(
                        f"the CSMS refused the WebSocket upgrade with HTTP {event.status_code}",
                        event.status_code,
                    )
                if isinstance(event, RejectData):
                    continue
        raise WebSocketError("no complete WebSocket handshake answer")

    def send(self, message: str) -> None:
        self._write(self._ws.send(TextMessage(data=message)))

    def receive(self, timeout: float | None) -> str | bytes | None:
        """The next whole message, or None when ``timeout`` seconds pass first (None: no limit).
        Raises ConnectionClosed when the peer closes."""
        if self._pending:
            return self._pending.pop(0)
        if timeout is not None and timeout <= 0:
            return None  # a timer is due already: it goes first, the data waits in the socket
        sock = self._socket()
        sock.settimeout(timeout)
        while not self._pending:
            try:
                events = self._read_events()
            except (TimeoutError, BlockingIOError):
                return None
            for event in events:
                self._handle(event)
        return self._pending.pop(0)

    def close(self, timeout: float = 2.0) -> None:
        """Send a close frame, wait up to ``timeout`` for the peer's, close the socket."""
        sock = self._sock
        if sock is None:
            return
        try:
            if not self._closed:
                self._closed = True
                self._write(self._ws.send(CloseConnection(code=1000)))
                sock.settimeout(timeout)
                for _ in range(_MAX_HANDSHAKE_READS):
                    if any(isinstance(event, CloseConnection) for event in self._read_events()):
                        break
        except (OSError, WebSocketError, ValueError):
            pass  # the peer is gone already: nothing left to close politely
        finally:
            sock.close()
            self._sock = None

    # --- internals ----------------------------------------------------------------------------

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise ConnectionClosed("the connection is closed")
        return self._sock

    def _write(self, data: bytes) -> None:
        try:
            self._socket().sendall(data)
        except OSError as exc:
            raise ConnectionClosed(f"sending failed ({exc.strerror or exc})") from exc

    def _read_events(self) -> list[Event]:
        data = self._socket().recv(_RECEIVE_BYTES)
        self._ws.receive_data(data or None)  # b"" is EOF; wsproto takes None for it
        if not data:
            events = list(self._ws.events())
            self._closed = True
            if not events:
                raise ConnectionClosed("the CSMS closed the TCP connection")
            return events
        return list(self._ws.events())

    def _handle(self, event: Event) -> None:
        if isinstance(event, TextMessage):
            self._partial_text.append(event.data)
            if event.message_finished:
                self._pending.append("".join(self._partial_text))
                self._partial_text.clear()
        elif isinstance(event, BytesMessage):
            self._partial_bytes.append(bytes(event.data))
            if event.message_finished:
                self._pending.append(b"".join(self._partial_bytes))
                self._partial_bytes.clear()
        elif isinstance(event, Ping):
            self._write(self._ws.send(event.response()))
        elif isinstance(event, CloseConnection):
            if not self._closed:
                self._closed = True
                with contextlib.suppress(ConnectionClosed, ValueError):
                    self._write(self._ws.send(event.response()))
            reason = f": {event.reason}" if event.reason else ""
            raise ConnectionClosed(f"the CSMS closed the connection (code {event.code}{reason})")


def describe_error(exc: BaseException) -> str:
    """One line a user can act on for a failed connect or a broken connection. The security-profile
    failures start with the kind `fleet run` counts them under (auth_rejected, ...)."""
    if isinstance(exc, HandshakeRefused) and exc.status_code in _REJECTIONS:
        return _REJECTIONS[exc.status_code]
    if isinstance(exc, WebSocketError):
        return str(exc)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the CSMS running and listening on that port?)"
    if isinstance(exc, socket.gaierror):
        return f"host name could not be resolved ({exc.strerror})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"server_certificate: the CSMS's TLS certificate is not trusted ({exc.verify_message}); "
            "give its CA with --fleet-ca-file (--fleet-insecure only for a test CSMS)"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed ({getattr(exc, 'reason', None) or exc})"
    if isinstance(exc, TimeoutError):
        return "no WebSocket handshake within the connect timeout"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"
