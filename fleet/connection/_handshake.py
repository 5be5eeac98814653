"""The WebSocket opening handshake, client side (RFC 6455 section 4), sans-IO.

The request is built once per connect; the answer is parsed from the bytes read so far. A 101
answer is checked the way RFC 6455 4.1 asks (Upgrade, Connection, Sec-WebSocket-Accept) and its
selected subprotocol returned; any other status is a refusal with its body (up to
Content-Length, or until the peer closes). Whatever follows the 101's blank line already
belongs to the WebSocket frames and is handed on.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from fleet.connection._target import WebSocketTarget

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HEAD = 16 * 1024  # an answer head larger than this is not a WebSocket server talking
_MAX_BODY = 4 * 1024  # of a refusal's body, what is kept for the error message


class HandshakeFailed(Exception):
    """The server's answer to the upgrade is not a valid WebSocket handshake."""


class UpgradeRejected(Exception):
    """The server answered the upgrade with an HTTP status other than 101."""

    def __init__(self, status_code: int, body: bytes) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.body = body


class SubprotocolRefused(Exception):
    """The CSMS accepted the upgrade but did not select the OCPP subprotocol we offered."""


@dataclass(frozen=True, slots=True)
class Accepted:
    subprotocol: str | None
    rest: bytes  # bytes after the 101 answer: the first WebSocket frames
    extensions: str | None = None  # the Sec-WebSocket-Extensions the server selected


def upgrade_request(
    target: WebSocketTarget, subprotocols: list[str], extra_headers: list[tuple[bytes, bytes]] | None
) -> tuple[bytes, bytes]:
    """(the request bytes, the Sec-WebSocket-Accept value the answer must carry)."""
    key = base64.b64encode(os.urandom(16))
    lines = [
        b"GET " + target.resource.encode() + b" HTTP/1.1",
        b"Host: " + target.host_header.encode(),
        b"Upgrade: websocket",
        b"Connection: Upgrade",
        b"Sec-WebSocket-Key: " + key,
        b"Sec-WebSocket-Version: 13",
    ]
    if subprotocols:
        lines.append(b"Sec-WebSocket-Protocol: " + ", ".join(subprotocols).encode())
    lines.extend(name + b": " + value for name, value in extra_headers or ())
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    return b"\r\n".join(lines) + b"\r\n\r\n", accept


class UpgradeAnswer:
    """Collects the server's answer. ``feed`` returns ``Accepted`` once a valid 101 is complete,
    raises ``UpgradeRejected`` once a refusal (and its body) is complete, ``HandshakeFailed`` for
    anything that is not a WebSocket answer, and None while more bytes are needed; ``eof`` says
    what the answer was when the peer closed the connection."""

    __slots__ = ("_accept", "_buffer", "_offered", "_rejection")

    def __init__(self, accept: bytes, offered: list[str]) -> None:
        self._accept = accept
        self._offered = offered
        self._buffer = bytearray()
        self._rejection: tuple[int, int | None, int] | None = None  # status, body length, body start

    def feed(self, data: bytes) -> Accepted | None:
        self._buffer += data
        if self._rejection is not None:
            self._raise_when_complete()
            return None
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > _MAX_HEAD:
                raise HandshakeFailed("the server's answer to the WebSocket upgrade has no end of headers")
            return None
        status, headers = _parse_head(bytes(self._buffer[:end]))
        if status != 101:
            length = headers.get("content-length")
            self._rejection = (status, int(length) if length and length.isdigit() else None, end + 4)
            self._raise_when_complete()
            return None
        self._check_accept(headers)
        return Accepted(
            headers.get("sec-websocket-protocol"),
            bytes(self._buffer[end + 4 :]),
            headers.get("sec-websocket-extensions"),
        )

    def eof(self) -> Exception:
        """The error to report when the peer closed the connection before the answer was complete."""
        if self._rejection is not None:
            status, _, start = self._rejection
            return UpgradeRejected(status, bytes(self._buffer[start : start + _MAX_BODY]))
        return HandshakeFailed("the server closed the connection before answering the WebSocket upgrade")

    def _raise_when_complete(self) -> None:
        assert self._rejection is not None
        status, length, start = self._rejection
        if length is not None and len(self._buffer) - start >= length:
            raise UpgradeRejected(status, bytes(self._buffer[start : start + min(length, _MAX_BODY)]))
        if length is None and len(self._buffer) - start >= _MAX_BODY:
            raise UpgradeRejected(status, bytes(self._buffer[start : start + _MAX_BODY]))

    def _check_accept(self, headers: dict[str, str]) -> None:
        if headers.get("upgrade", "").lower() != "websocket":
            raise HandshakeFailed("the server's 101 answer lacks 'Upgrade: websocket'")
        if "upgrade" not in (token.strip() for token in headers.get("connection", "").lower().split(",")):
            raise HandshakeFailed("the server's 101 answer lacks 'Connection: Upgrade'")
        if headers.get("sec-websocket-accept", "").encode() != self._accept:
            raise HandshakeFailed("the server's Sec-WebSocket-Accept does not match the key sent")
        chosen = headers.get("sec-websocket-protocol")
        if chosen is not None and chosen not in self._offered:
            wanted = " or ".join(repr(name) for name in self._offered)
            raise SubprotocolRefused(
                f"the CSMS did not accept subprotocol {wanted} (it selected {chosen!r}); "
                "does this endpoint speak that OCPP version?"
            )


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise HandshakeFailed(
            f"the server's answer to the WebSocket upgrade is not valid HTTP: {lines[0][:80]!r}"
        )
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise HandshakeFailed(f"the server's answer has a malformed header line: {line[:80]!r}")
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return int(parts[1]), headers
