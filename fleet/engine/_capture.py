"""Optional JSON-lines record of every frame sent and received (`fleet run --capture FILE`)."""

from __future__ import annotations

import contextlib
import sys
from typing import IO

import msgspec


class _Line(msgspec.Struct, gc=False):
    t: float
    station: str
    dir: str
    frame: str


class FrameCapture:
    """Appends ``{"t", "station", "dir", "frame"}`` lines; buffered, flushed on close.

    A write that fails (the disk is full) stops the capture, says so once on stderr and leaves
    the run going: the frames are a record of the load, not the load."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[bytes] | None = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._encoder = msgspec.json.Encoder()
        self.failure: str | None = None  # why the capture stopped early

    def sent(self, now: float, station_id: str, frame: str) -> None:
        self._write(_Line(now, station_id, "sent", frame))

    def received(self, now: float, station_id: str, frame: str | bytes) -> None:
        text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        self._write(_Line(now, station_id, "received", text))

    def _write(self, line: _Line) -> None:
        if self._file is None:
            return
        try:
            self._file.write(self._encoder.encode(line) + b"\n")
        except OSError as exc:
            self._stop(exc)

    def close(self) -> None:
        if self._file is None:
            return
        try:
            self._file.close()
        except OSError as exc:
            self._stop(exc)
        self._file = None

    def _stop(self, exc: OSError) -> None:
        file, self._file = self._file, None
        self.failure = f"frame capture {self.path}: cannot write ({exc.strerror or exc}); capture stopped"
        print(f"fleet: error: {self.failure}, the run goes on", file=sys.stderr, flush=True)
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()
