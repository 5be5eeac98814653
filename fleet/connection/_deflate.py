"""permessage-deflate (RFC 7692) for the stations' own WebSocket client, sans-IO, stdlib zlib.

A station that offers it sends ``DEFLATE_OFFER`` in its upgrade request; ``negotiated_deflate``
reads the server's ``Sec-WebSocket-Extensions`` answer into ``DeflateParams`` (None: declined, the
station speaks plain frames) or fails the handshake when the server selected something that was
not offered or is malformed. ``MessageDeflater`` compresses one message's payload and inflates one
message's payload as section 7.2 asks: raw DEFLATE (wbits < 0), a sync flush whose 4-byte tail
(0x00 0x00 0xff 0xff) is removed on sending and put back on receiving, and the compression context
kept across messages unless the negotiation said otherwise.

The reactor's framing is the project's own (fleet/connection/_framing.py), so wsproto's
PerMessageDeflate, which works on wsproto's frame decoder, does not fit it; the same zlib calls
are made here directly.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from fleet.connection._handshake import HandshakeFailed

DEFLATE_OFFER = b"permessage-deflate; client_max_window_bits"
_TAIL = b"\x00\x00\xff\xff"
_NAME = "permessage-deflate"
_FLAGS = ("client_no_context_takeover", "server_no_context_takeover")
_WINDOWS = ("client_max_window_bits", "server_max_window_bits")


def offers_deflate(index: int, share: float) -> bool:
    """Station ``index`` (0, 1, 2, ...) offers permessage-deflate when ``share`` (0..1) of the
    fleet does: spread evenly by index (0.5: every other station, 1, 3, 5, ...; of the first n
    stations, floor(n * share) offer it), the same in every run and in both shells."""
    return share > 0.0 and int((index + 1) * share) > int(index * share)


@dataclass(frozen=True, slots=True)
class DeflateParams:
    """What the server accepted: our window (``client_max_window_bits``) and whether each side
    starts every message with a fresh compression context."""

    client_max_window_bits: int = 15
    client_no_context_takeover: bool = False
    server_no_context_takeover: bool = False


def negotiated_deflate(answer: str | None, offered: bool) -> DeflateParams | None:
    """The server's ``Sec-WebSocket-Extensions`` value (None: absent) read as the parameters of
    the permessage-deflate it accepted, or None when it accepted none. Raises HandshakeFailed for
    an extension that was not offered (RFC 6455 4.1) or a malformed answer (RFC 7692 5)."""
    if answer is None or not answer.strip():
        return None
    extensions = [part.strip() for part in answer.split(",")]
    for extension in extensions:
        name = extension.split(";", 1)[0].strip()
        if name != _NAME or not offered:
            raise HandshakeFailed(f"the server selected WebSocket extension {name!r}, which was not offered")
    if len(extensions) > 1:
        raise HandshakeFailed("the server selected permessage-deflate more than once")
    return _parse_params(extensions[0])


def _parse_params(extension: str) -> DeflateParams:
    seen: dict[str, str | None] = {}
    for param in extension.split(";")[1:]:
        key, equals, value = (part.strip() for part in param.partition("="))
        if key in seen or key not in (*_FLAGS, *_WINDOWS) or (key in _FLAGS and equals):
            raise HandshakeFailed(
                f"the server's permessage-deflate answer has a bad parameter {param.strip()!r}"
            )
        seen[key] = value.strip('"') if equals else None
    windows = {key: _window_bits(seen[key]) for key in _WINDOWS if key in seen}
    return DeflateParams(
        client_max_window_bits=windows.get("client_max_window_bits", 15),
        client_no_context_takeover="client_no_context_takeover" in seen,
        server_no_context_takeover="server_no_context_takeover" in seen,
    )


def _window_bits(value: str | None) -> int:
    if value is None or not value.isdigit() or not 8 <= int(value) <= 15:
        raise HandshakeFailed(f"the server's permessage-deflate window bits {value!r} are not 8..15")
    # zlib cannot make a raw stream with a 256-byte window (it silently uses 512): 9 is the least
    return max(int(value), 9)


class MessageDeflater:
    """One connection's compression contexts: ours for sending, the server's for receiving."""

    __slots__ = ("_compressor", "_decompressor", "_params")

    def __init__(self, params: DeflateParams) -> None:
        self._params = params
        self._compressor = self._new_compressor()
        self._decompressor = zlib.decompressobj(-15)  # a 2**15 window inflates any smaller one

    def _new_compressor(self) -> zlib._Compress:
        return zlib.compressobj(
            zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -self._params.client_max_window_bits
        )

    def compress(self, payload: bytes) -> bytes:
        """A message's payload, compressed, without the sync flush's tail."""
        compressor = self._compressor
        data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if self._params.client_no_context_takeover:
            self._compressor = self._new_compressor()
        return data[:-4] if data.endswith(_TAIL) else data

    def decompress(self, payload: bytes, limit: int) -> bytes | None:
        """A compressed message's payload inflated; None when it inflates to over ``limit`` bytes.
        Raises zlib.error when it is not DEFLATE data."""
        data = self._decompressor.decompress(payload + _TAIL, limit + 1)
        if self._params.server_no_context_takeover:
            self._decompressor = zlib.decompressobj(-15)
        return None if len(data) > limit else data
