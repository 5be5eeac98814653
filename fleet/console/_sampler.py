"""The fleet's figures once a second, for the overview's chart: a short history and the latest."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from fleet.csms import LiveView

HISTORY_S = 600  # the overview chart shows the last ten minutes


@dataclass(frozen=True, slots=True)
class FleetSample:
    at: float  # epoch seconds
    messages_per_s: float
    errors_per_s: float
    connected: int
    charging: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "t": self.at,
            "messages_per_s": round(self.messages_per_s, 1),
            "errors_per_s": round(self.errors_per_s, 2),
            "connected": self.connected,
            "charging": self.charging,
        }


class FleetSampler:
    """Call ``tick()`` about once a second; rates are over the time since the previous tick."""

    def __init__(self, live: LiveView) -> None:
        self._live = live
        self.history: deque[FleetSample] = deque(maxlen=HISTORY_S)
        self._last = (live.clock(), live.messages, live.errors)

    def tick(self) -> FleetSample:
        live = self._live
        now, messages, errors = live.clock(), live.messages, live.errors
        then, messages_then, errors_then = self._last
        elapsed = max(now - then, 1e-3)
        self._last = (now, messages, errors)
        sample = FleetSample(
            now,
            (messages - messages_then) / elapsed,
            (errors - errors_then) / elapsed,
            len(live.stations) - live.counts["offline"],
            live.counts["charging"],
        )
        self.history.append(sample)
        return sample

    @property
    def latest(self) -> FleetSample | None:
        return self.history[-1] if self.history else None
