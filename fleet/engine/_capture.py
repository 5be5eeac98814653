"""Optional JSON-lines record of every frame sent and received (`fleet run --capture FILE`)."""

from __future__ import annotations

from typing import IO

import msgspec


class _Line(msgspec.Struct, gc=False):
    t: float
    station: str
    dir: str
    frame: str


class FrameCapture:
    """Appends ``{"t", "station", "dir", "frame"}`` lines; buffered, flushed on close."""

    def __init__(self, path: str) -> None:
        self._file: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._encoder = msgspec.json.Encoder()

    def sent(self, now: float, station_id: str, frame: str) -> None:
        self._write(_Line(now, station_id, "sent", frame))

    def received(self, now: float, station_id: str, frame: str | bytes) -> None:
        text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        self._write(_Line(now, station_id, "received", text))

    def _write(self, line: _Line) -> None:
        self._file.write(self._encoder.encode(line))
        self._file.write(b"\n")

    def close(self) -> None:
        self._file.close()
