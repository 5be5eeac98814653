"""The end of a run: stop the behaviour, let every connected station send what it recorded.

When ``--duration`` ends (or at the first SIGINT/SIGTERM) the stations stop making new work (no
driver steps, heartbeats or meter values: ``stop_behaviour``), but keep their connection so the
CALL in flight is answered and the queued ones (a TransactionEvent Ended behind a slow answer, an
offline queue being replayed) reach the CSMS. The drain ends when no connected station has a CALL
unanswered, or after ``timeout_s``; whatever is still queued then is counted as ``left_unsent``,
never silently lost. Running transactions are not ended: a fleet does not stop charging because a
load test stops, and ending them would add a burst of messages the real fleet never sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import trio

_NOT_DELIVERED = frozenset({"Timeout", "ConnectionLost"})  # failures where the CSMS saw nothing


class Drainable(Protocol):
    """A station runner as the drain sees it."""

    @property
    def station_id(self) -> str: ...
    def begin_drain(self, drain: Drain) -> bool: ...  # True: connected, takes part
    def calls_unanswered(self) -> int: ...


@dataclass(frozen=True, slots=True)
class DrainReport:
    stations_drained: int  # had CALLs unanswered during the drain, none at its end
    messages_flushed: int  # CALLs the CSMS answered during the drain
    left_unsent: int  # CALLs queued or unanswered when the run stopped (all stations, online or not)
    seconds: float  # real seconds the drain took

    def to_dict(self) -> dict[str, Any]:
        return {
            "stations_drained": self.stations_drained,
            "messages_flushed": self.messages_flushed,
            "left_unsent": self.left_unsent,
            "seconds": round(self.seconds, 3),
        }

    @staticmethod
    def merged(reports: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """The drain of a sharded run: counts add up, the seconds are the longest shard's."""
        merged = {"stations_drained": 0, "messages_flushed": 0, "left_unsent": 0, "seconds": 0.0}
        for report in reports:
            for key in ("stations_drained", "messages_flushed", "left_unsent"):
                merged[key] += int(report.get(key, 0))
            merged["seconds"] = max(merged["seconds"], float(report.get("seconds", 0.0)))
        return merged


class Drain:
    """Shared by the fleet and its runners: ``active`` once the drain began; runners report
    whether they still have CALLs unanswered, and ``run`` waits until none has (or time is up)."""

    def __init__(self, timeout_s: float) -> None:
        if timeout_s < 0:
            raise ValueError(f"drain timeout: expected seconds >= 0, got {timeout_s}")
        self.timeout_s = timeout_s
        self.active = False
        self._busy: set[str] = set()
        self._had_work: set[str] = set()
        self._flushed = 0
        self._quiet = trio.Event()
        self._counted = False  # every runner's backlog is known: an empty busy set means done
        self._seconds = 0.0

    def update(self, station_id: str, unanswered: int) -> None:
        """A taking-part runner's CALLs unanswered, after each of its steps."""
        if unanswered > 0:
            self._busy.add(station_id)
            self._had_work.add(station_id)
        else:
            self._busy.discard(station_id)
            if not self._busy and self._counted:
                self._quiet.set()

    def leave(self, station_id: str) -> None:
        """The runner lost its connection: nothing more will flow, do not wait for it."""
        self._had_work.discard(station_id)
        self.update(station_id, 0)

    def answered(self, error_code: str | None = None) -> None:
        if error_code not in _NOT_DELIVERED:
            self._flushed += 1

    async def run(self, runners: Iterable[Drainable]) -> None:
        """Stop every station's behaviour and wait for the connected ones to flush."""
        started = trio.current_time()
        self.active = True
        for runner in runners:
            if runner.begin_drain(self):
                self.update(runner.station_id, runner.calls_unanswered())
        self._counted = True
        if not self._busy:
            self._quiet.set()
        with trio.move_on_after(self.timeout_s):
            await self._quiet.wait()
        self._seconds = trio.current_time() - started

    def report(self, runners: Iterable[Drainable]) -> DrainReport:
        """After the runners stopped: what was flushed and what is left."""
        left = {runner.station_id: runner.calls_unanswered() for runner in runners}
        return DrainReport(
            stations_drained=sum(1 for station_id in self._had_work if left.get(station_id, 0) == 0),
            messages_flushed=self._flushed,
            left_unsent=sum(left.values()),
            seconds=self._seconds,
        )
