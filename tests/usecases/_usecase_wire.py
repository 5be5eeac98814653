"""Reading a `fleet run --capture` file back: the frames each station sent and received, decoded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Frame:
    t: float
    station: str
    sent: bool  # by the station (else received from the CSMS)
    message: list[Any]

    @property
    def action(self) -> str | None:
        return self.message[2] if self.message[0] == 2 else None

    @property
    def payload(self) -> Any:
        return self.message[3] if self.message[0] == 2 else self.message[2]


def read_capture(path: Path) -> list[Frame]:
    frames = []
    for line in path.read_text().splitlines():
        item = json.loads(line)
        frames.append(Frame(item["t"], item["station"], item["dir"] == "sent", json.loads(item["frame"])))
    return frames


def calls(frames: list[Frame], action: str, *, sent: bool = True) -> list[Frame]:
    """The CALLs of ``action`` sent by the stations (``sent``) or by the CSMS."""
    return [f for f in frames if f.sent is sent and f.action == action]


def answers_to(frames: list[Frame], call: Frame) -> list[Frame]:
    """The CALLRESULT/CALLERROR frames answering ``call`` (same station, same message id)."""
    return [
        f
        for f in frames
        if f.station == call.station
        and f.sent is not call.sent
        and f.message[0] in (3, 4)
        and f.message[1] == call.message[1]
        and f.t >= call.t - 1e-6  # the capture's times of one instant may differ in the last bits
    ][:1]
