"""The one message format between a parent and its children: length-prefixed pickles.

Both ends are the same program on the same machine, never a network peer, and pickle carries a
job, a recorder dict or a Ledger without a schema of its own. A frame is a 4-byte big-endian
length, then that many bytes of pickle.
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Iterator
from typing import Any

_HEADER = struct.Struct("!I")


def frame(message: object) -> bytes:
    """``message`` as one frame."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def first_message(data: bytes) -> Any:
    """The message of the frame at the start of ``data``."""
    (size,) = _HEADER.unpack_from(data)
    return pickle.loads(data[_HEADER.size : _HEADER.size + size])


def take_messages(buffer: bytearray) -> Iterator[Any]:
    """Each whole frame's message at the start of ``buffer``, removed from it as it is read; a
    partial frame stays for the next bytes."""
    while len(buffer) >= _HEADER.size:
        (size,) = _HEADER.unpack_from(buffer)
        if len(buffer) < _HEADER.size + size:
            return
        message = pickle.loads(bytes(buffer[_HEADER.size : _HEADER.size + size]))
        del buffer[: _HEADER.size + size]
        yield message
