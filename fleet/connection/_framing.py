"""RFC 6455 frames for the client side of a connection, after the upgrade: sans-IO, stdlib only.

``ClientFramer`` turns bytes read from the socket into whole data messages and data to send into
masked frames. It answers control frames itself (a Ping queues a Pong, the peer's Close queues our
reply) and fails the connection on any protocol violation with the RFC's close code, never by
raising. It is the hot path of the load generator, so the common case (whole unfragmented frames
in one read) is a handful of byte operations; the rest (a frame split over reads, fragmented
messages, control frames) takes a slower general path.

Where a server frame is only partly read, the payload read so far is taken at once: a text
message's UTF-8 is validated as it arrives, so a broken message fails the connection (RFC 6455
8.1) before its end arrives, as wsproto does; only a frame's header, or a control frame's 125
bytes, wait in the buffer for the rest. The checks are made in wsproto's order, so that the two
agree on where a broken stream fails (tests/connection/test_connection_framing.py fuzzes that).
"""

from __future__ import annotations

import codecs
import os
import struct
import zlib
from dataclasses import dataclass

from fleet.connection._deflate import MessageDeflater

CLOSE_NORMAL = 1000
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_ABNORMAL = 1006  # no close frame: the connection broke (never sent in a close frame)
CLOSE_INVALID_DATA = 1007
CLOSE_TOO_BIG = 1009
MAX_MESSAGE_SIZE = 2**20

_NO_STATUS = 1005  # an empty close frame: "no status code was present" (RFC 6455 7.1.5)
_TLS_FAILED = 1015  # like 1005 and 1006, a code an endpoint must never send (RFC 6455 7.4.1)
# close codes a peer may send: RFC 6455 7.4.1 and the IANA registry of 1000-2999 (section 11.7;
# 1012-1014 registered since), and the application and private ranges 3000-4999 (7.4.2)
_VALID_CLOSE_CODES = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014))

_TEXT = 0x1
_BINARY = 0x2
_CLOSE = 0x8
_PING = 0x9
_PONG = 0xA
_FIN = 0x80
_RSV1 = 0x40  # permessage-deflate: the message is compressed (RFC 7692 6)

_HEAD_SHORT = struct.Struct("!BB4s")  # the payload length in the second byte (< 126)
_HEAD_16 = struct.Struct("!BBH4s")
_HEAD_64 = struct.Struct("!BBQ4s")
_LENGTH_64 = struct.Struct("!Q")
_MAX_CLOSE_REASON = 123  # a control frame carries at most 125 bytes, 2 of them the code

# masking keys (RFC 6455 5.3: fresh and unpredictable per frame) come from one urandom pool
# shared by every connection of the process: one system call per 1024 frames
_KEY_POOL_BYTES = 4096
_keys: list[bytes] = []


def _refill_keys() -> None:
    pool = os.urandom(_KEY_POOL_BYTES)
    _keys.extend([pool[at : at + 4] for at in range(0, _KEY_POOL_BYTES, 4)])


if hasattr(os, "register_at_fork"):  # a forked child must not reuse its parent's keys
    os.register_at_fork(after_in_child=_keys.clear)


def _masked_frame(first: int, payload: bytes) -> bytes:
    """One client frame: FIN/opcode byte ``first``, ``payload`` masked with a fresh key."""
    try:
        key = _keys.pop()
    except IndexError:
        _refill_keys()
        key = _keys.pop()
    n = len(payload)
    if n < 126:
        head = _HEAD_SHORT.pack(first, 0x80 | n, key)
    elif n < 0x10000:
        head = _HEAD_16.pack(first, 0xFE, n, key)
    else:
        head = _HEAD_64.pack(first, 0xFF, n, key)
    if not n:
        return head
    mask = int.from_bytes((key * ((n >> 2) + 1))[:n], "little")
    return head + (int.from_bytes(payload, "little") ^ mask).to_bytes(n, "little")


def _close_payload(code: int, reason: str) -> bytes:
    if code == _NO_STATUS:
        return b""
    if code in (CLOSE_ABNORMAL, _TLS_FAILED):  # local-only codes: say a plain goodbye instead
        code = CLOSE_NORMAL
    encoded = reason.encode("utf-8")
    if len(encoded) > _MAX_CLOSE_REASON:  # cut on a character boundary
        encoded = encoded[:_MAX_CLOSE_REASON].decode("utf-8", "ignore").encode("utf-8")
    return code.to_bytes(2, "big") + encoded


def _head_error(first: int, length: int) -> str | None:
    """What is wrong with the first two bytes of a frame whose opcode is no data frame's, if anything."""
    opcode = first & 0x0F
    if opcode & 0x08:
        if opcode > _PONG:
            return f"unknown opcode {opcode:#x}"
        if not first & _FIN:
            return "fragmented control frame"
        if length > 125:
            return "control frame over 125 bytes"
        return None
    return f"unknown opcode {opcode:#x}"


def _bits_error(first: int) -> str:
    return "reserved bits set" if first & 0x70 else "masked frame from the server"


def _length_error(length: int) -> str:
    return "payload length over 2**63" if length >> 63 else "payload length not minimal"


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """Why a connection closed. ``by_peer``: the peer sent a close frame (``code`` and ``reason``
    are its, 1005 when its frame had no code). Otherwise we closed: by ``ClientFramer.close`` or
    because the peer broke the protocol (code 1002, 1007 or 1009, ``reason`` saying how)."""

    code: int
    reason: str
    by_peer: bool


class ClientFramer:
    """One client connection's frames after the upgrade. Bytes in, whole messages out; frames out.

    ``receive``: a Ping queues a Pong (see ``take_output``). The peer's Close sets ``closed``
    (by_peer=True) and queues our reply, echoing its code (RFC 6455 5.5.1), once. A protocol
    violation sets ``closed`` (by_peer=False) with code 1002, 1007 (invalid UTF-8 in a text message
    or close reason) or 1009 (a message over ``max_message_size``: "frame of N bytes over the limit
    of M") and queues our close frame with that code: reserved bits, an unknown opcode, a fragmented
    or oversized control frame, a continuation without a start or a new data frame inside a
    fragmented message, a masked frame (a server's MUST NOT be), a non-minimal payload length, a
    close payload of one byte or with an invalid code. After our own ``close`` the data is still
    read, for the peer's close frame (``close_received``), but its messages are dropped; after the
    peer's close frame or a violation, nothing more is read.
    """

    __slots__ = (
        "_binary",
        "_buffer",
        "_close_received",
        "_close_sent",
        "_closed",
        "_compressed",
        "_decoder",
        "_deflater",
        "_done",
        "_fin",
        "_max_message_size",
        "_opcode",
        "_output",
        "_remaining",
        "_size",
        "_text",
    )

    def __init__(
        self, max_message_size: int = MAX_MESSAGE_SIZE, deflater: MessageDeflater | None = None
    ) -> None:
        self._max_message_size = max_message_size
        self._deflater = deflater  # permessage-deflate negotiated (see DeflateFramer)
        self._compressed = False  # the message arriving in pieces is compressed
        self._buffer = b""  # the start of an incomplete frame: a header, or a control frame
        self._output = b""  # control frames queued by receive
        self._closed: CloseInfo | None = None
        self._close_sent = False
        self._close_received = False
        self._done = False  # the peer's close frame came, or the peer broke the protocol: read no more
        # a message arriving in pieces (fragments, or a frame split over reads)
        self._opcode = 0  # its opcode, 0 when none is under way
        self._size = 0  # its payload bytes announced so far
        self._remaining = 0  # bytes of the current frame's payload not read yet
        self._fin = False  # the current frame ends the message
        self._decoder: codecs.IncrementalDecoder | None = None
        self._text: list[str] | None = None
        self._binary: list[bytes] | None = None

    # --- reading -----------------------------------------------------------------------------

    def receive(self, data: bytes | bytearray | memoryview) -> list[str | bytes]:
        """Feed bytes read from the socket; return the whole data messages they complete, in order
        (text -> str, binary -> bytes). Never raises; the class docstring says what else it does."""
        if self._done or not data:
            return []
        discard = self._close_sent  # we said goodbye: only the peer's close frame matters now
        messages: list[str | bytes] = []
        pos = 0
        if self._buffer or self._remaining:
            data, pos = self._resume(data, messages)
            if self._done:
                return [] if discard else messages
        end = len(data)
        while end - pos >= 2:
            first = data[pos]
            second = data[pos + 1]
            length = second & 0x7F
            if first & 0x0F > _BINARY and (reason := _head_error(first, length)):
                return self._fail(messages, CLOSE_PROTOCOL_ERROR, reason)
            start = pos + 2
            if length > 125:
                start = pos + 4 if length == 126 else pos + 10
                if start > end:
                    break
                if length == 126:
                    length = data[pos + 2] << 8 | data[pos + 3]
                    if length < 126:
                        return self._fail(messages, CLOSE_PROTOCOL_ERROR, "payload length not minimal")
                elif (length := _LENGTH_64.unpack_from(data, pos + 2)[0]) < 0x10000 or length >> 63:
                    return self._fail(messages, CLOSE_PROTOCOL_ERROR, _length_error(length))
            if (first & 0x70 or second & 0x80) and (reason := self._bits_refused(first, second)):
                return self._fail(messages, CLOSE_PROTOCOL_ERROR, reason)
            stop = start + length
            if (first == _FIN | _TEXT or first == _FIN | _BINARY) and stop <= end and not self._opcode:
                # the fast path, inline: a whole unfragmented message (the rest takes the helpers below)
                if length > self._max_message_size:
                    return self._fail(messages, CLOSE_TOO_BIG, self._too_big(length))
                if first == _FIN | _TEXT:
                    try:
                        messages.append(str(data[start:stop], "utf-8"))
                    except UnicodeDecodeError:
                        return self._fail(messages, CLOSE_INVALID_DATA, "text message not UTF-8")
                else:
                    messages.append(bytes(data[start:stop]))
                pos = stop
                continue
            if first & 0x08:
                taken = self._control_frame(data, first & 0x0F, start, stop, messages)
            else:
                taken = self._piece(data, first, start, stop, messages)
            if taken is None:
                break  # the rest of the frame (or of its head) comes in a later read
            if self._done:
                return [] if discard else messages
            pos = taken
        if pos < end:
            self._buffer = bytes(data[pos:])
        return [] if discard else messages

    def _bits_refused(self, first: int, second: int) -> str | None:
        """Why reserved bits or a mask make a frame a violation; None for RSV1 on the first frame
        of a data message once permessage-deflate is negotiated (that frame takes the slow path)."""
        compressed = first & 0x70 == _RSV1 and first & 0x0F in (_TEXT, _BINARY)
        if compressed and self._deflater is not None and not second & 0x80:
            return None
        return _bits_error(first)

    def _resume(
        self, data: bytes | bytearray | memoryview, messages: list[str | bytes]
    ) -> tuple[bytes | bytearray | memoryview, int]:
        """Join what an earlier read left: a frame's head waiting in the buffer, or the rest of a
        frame's payload (taken at once); return the data and the position of the next frame."""
        if self._buffer:
            data = self._buffer + data
            self._buffer = b""
        if not self._remaining:
            return data, 0
        pos = min(self._remaining, len(data))
        self._remaining -= pos
        self._payload(data[:pos], not self._remaining and self._fin, messages)
        return data, pos

    def _control_frame(
        self,
        data: bytes | bytearray | memoryview,
        opcode: int,
        start: int,
        stop: int,
        messages: list[str | bytes],
    ) -> int | None:
        """A Ping (queues a Pong), Pong (nothing to do) or Close, read whole: where the next frame
        starts, or None while the frame is not all here."""
        if stop > len(data):
            return None
        if opcode == _PING:
            if not self._close_sent:
                self._output += _masked_frame(_FIN | _PONG, bytes(data[start:stop]))
        elif opcode == _CLOSE:
            self._peer_closed(data[start:stop], messages)
        return stop

    def _piece(
        self,
        data: bytes | bytearray | memoryview,
        first: int,
        start: int,
        stop: int,
        messages: list[str | bytes],
    ) -> int | None:
        """A data frame off the fast path: a fragment, or a frame going on in a later read. Returns
        where the next frame starts, or None when none of its payload is here yet (the head waits)."""
        end = len(data)
        length = stop - start
        if self._size + length > self._max_message_size:
            self._fail(messages, CLOSE_TOO_BIG, self._too_big(self._size + length))
            return stop
        if length and start == end:
            return None  # a data frame is taken once some of its payload is here (as wsproto does)
        opcode = first & 0x0F
        if opcode:
            if self._opcode:
                self._fail(messages, CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one")
                return stop
            self._opcode = opcode
            self._compressed = bool(first & _RSV1)
        elif not self._opcode:
            self._fail(messages, CLOSE_PROTOCOL_ERROR, "continuation frame without a start")
            return stop
        self._size += length
        fin = bool(first & _FIN)
        if stop > end:  # the frame goes on in a later read
            self._fin = fin
            self._remaining = stop - end
            stop = end
            fin = False
        self._payload(data[start:stop], fin, messages)
        return stop

    def _payload(
        self, chunk: bytes | bytearray | memoryview, last: bool, messages: list[str | bytes]
    ) -> None:
        """Part of a message arriving in pieces; ``last``: it ends the message."""
        if self._compressed:
            self._compressed_payload(chunk, last, messages)
        elif self._opcode == _TEXT:
            decoder = self._decoder
            if decoder is None:
                decoder = self._decoder = codecs.getincrementaldecoder("utf-8")()
                self._text = []
            assert self._text is not None
            try:
                piece = decoder.decode(chunk, last)
            except UnicodeDecodeError:
                self._fail(messages, CLOSE_INVALID_DATA, "text message not UTF-8")
                return
            if piece:
                self._text.append(piece)
            if last:
                messages.append("".join(self._text))
                self._decoder = self._text = None
        else:
            if self._binary is None:
                self._binary = []
            if chunk:
                self._binary.append(bytes(chunk))
            if last:
                messages.append(b"".join(self._binary))
                self._binary = None
        if last:
            self._opcode = self._size = 0

    def _compressed_payload(
        self, chunk: bytes | bytearray | memoryview, last: bool, messages: list[str | bytes]
    ) -> None:
        """Part of a compressed message: kept until its end, then inflated and decoded."""
        if self._binary is None:
            self._binary = []
        if chunk:
            self._binary.append(bytes(chunk))
        if not last:
            return
        assert self._deflater is not None
        try:
            data = self._deflater.decompress(b"".join(self._binary), self._max_message_size)
        except zlib.error:
            self._fail(messages, CLOSE_INVALID_DATA, "compressed message not valid DEFLATE data")
            return
        if data is None:
            self._fail(
                messages,
                CLOSE_TOO_BIG,
                f"compressed message over the limit of {self._max_message_size} bytes",
            )
            return
        if self._opcode == _TEXT:
            try:
                messages.append(str(data, "utf-8"))
            except UnicodeDecodeError:
                self._fail(messages, CLOSE_INVALID_DATA, "text message not UTF-8")
                return
        else:
            messages.append(data)
        self._binary = None
        self._compressed = False
        self._opcode = self._size = 0

    def _peer_closed(self, payload: bytes | bytearray | memoryview, messages: list[str | bytes]) -> None:
        if not payload:
            code, reason = _NO_STATUS, ""
        elif len(payload) == 1:
            self._fail(messages, CLOSE_PROTOCOL_ERROR, "close frame with a 1-byte payload")
            return
        else:
            code = payload[0] << 8 | payload[1]
            if code not in _VALID_CLOSE_CODES and not 3000 <= code <= 4999:
                self._fail(messages, CLOSE_PROTOCOL_ERROR, f"close frame with invalid code {code}")
                return
            try:
                reason = str(payload[2:], "utf-8")
            except UnicodeDecodeError:
                self._fail(messages, CLOSE_INVALID_DATA, "close reason not UTF-8")
                return
        self._done = self._close_received = True
        if self._closed is None:
            self._closed = CloseInfo(code, reason, True)
        if not self._close_sent:  # the reply echoes the code (RFC 6455 5.5.1), none for none
            self._close_sent = True
            self._output += _masked_frame(_FIN | _CLOSE, _close_payload(code, ""))
        self._drop_message()

    def _fail(self, messages: list[str | bytes], code: int, reason: str) -> list[str | bytes]:
        """The peer broke the protocol: fail the connection (RFC 6455 7.1.7)."""
        self._done = True
        discard = self._close_sent
        if self._closed is None:
            self._closed = CloseInfo(code, reason, False)
        if not self._close_sent:
            self._close_sent = True
            self._output += _masked_frame(_FIN | _CLOSE, _close_payload(code, reason))
        self._drop_message()
        return [] if discard else messages

    def _too_big(self, size: int) -> str:
        """The close reason for a message of ``size`` bytes (so far, when fragmented) over the limit."""
        what = "fragmented message" if self._size else "frame"
        return f"{what} of {size} bytes over the limit of {self._max_message_size}"

    def _drop_message(self) -> None:
        self._buffer = b""
        self._decoder = self._text = self._binary = None
        self._opcode = self._size = self._remaining = 0
        self._compressed = False

    # --- state -------------------------------------------------------------------------------

    @property
    def closed(self) -> CloseInfo | None:
        """Why the connection closed, once it has: the peer's close frame, ours, or a violation."""
        return self._closed

    @property
    def close_sent(self) -> bool:
        """Our close frame is out: returned by ``close`` or queued by ``receive``."""
        return self._close_sent

    @property
    def close_received(self) -> bool:
        """The peer's close frame arrived (also when it answers ours: the closing handshake done)."""
        return self._close_received

    def take_output(self) -> bytes:
        """Control frames (pongs, close replies) queued by ``receive``, and clears them; b"" when none."""
        output = self._output
        self._output = b""
        return output

    # --- writing -----------------------------------------------------------------------------

    def send_text(self, text: str) -> bytes:
        """One masked FIN text frame."""
        return _masked_frame(_FIN | _TEXT, text.encode("utf-8"))

    def send_bytes(self, data: bytes) -> bytes:
        """One masked FIN binary frame."""
        return _masked_frame(_FIN | _BINARY, bytes(data))

    def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> bytes:
        """Our close frame (masked). Sets ``closed`` = CloseInfo(code, reason, by_peer=False) if not
        yet closed; b"" if a close frame was already sent by us (or queued by ``receive``). Code 1005
        sends a close frame without a code; 1006 and 1015, never sent (RFC 6455 7.4.1), send 1000.
        A reason over 123 bytes of UTF-8 is cut."""
        if self._closed is None:
            self._closed = CloseInfo(code, reason, False)
        if self._close_sent:
            return b""
        self._close_sent = True
        return _masked_frame(_FIN | _CLOSE, _close_payload(code, reason))


class DeflateFramer(ClientFramer):
    """A client framer on a connection that negotiated permessage-deflate (RFC 7692): every data
    message goes out compressed (RSV1 set), and a compressed message from the server is inflated.
    A separate class, so that a station without deflate does no extra work per frame sent."""

    __slots__ = ("_compress",)

    def __init__(self, deflater: MessageDeflater, max_message_size: int = MAX_MESSAGE_SIZE) -> None:
        super().__init__(max_message_size, deflater)
        self._compress = deflater.compress

    def send_text(self, text: str) -> bytes:
        """One masked FIN text frame, compressed."""
        return _masked_frame(_FIN | _RSV1 | _TEXT, self._compress(text.encode("utf-8")))

    def send_bytes(self, data: bytes) -> bytes:
        """One masked FIN binary frame, compressed."""
        return _masked_frame(_FIN | _RSV1 | _BINARY, self._compress(bytes(data)))
