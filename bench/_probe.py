"""What the generator process measures about itself: CPU time, RSS, progress, timer lateness.

A sampler thread reads the process's CPU time and RSS and the recorder's counters a few times a
second (the same for the trio fleet and the asyncio peer); ``lag_probe`` runs inside the event
loop and records how late a short sleep wakes up, which is what every station timer suffers too.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fleet.metrics import RunRecorder

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size now (Linux /proc; 0 elsewhere, and the RSS figures are then left out)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return 0


@dataclass(slots=True)
class Timeline:
    """Samples ``(t, cpu_s, rss_bytes, connected, booted, messages)``; t in s since ``origin``."""

    origin: float
    samples: list[tuple[float, float, int, int, int, int]] = field(default_factory=list)

    def sample(self, recorder: RunRecorder) -> None:
        snap = recorder.snapshot()
        self.samples.append(
            (
                round(time.monotonic() - self.origin, 3),
                round(time.process_time(), 4),
                rss_bytes(),
                snap.connected,
                snap.booted,
                snap.messages_sent,
            )
        )


class Sampler:
    """Samples ``recorder`` every ``interval_s`` on a daemon thread until ``stop``."""

    def __init__(self, recorder: RunRecorder, timeline: Timeline, interval_s: float = 0.2) -> None:
        self._recorder = recorder
        self._timeline = timeline
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench sampler", daemon=True)

    def start(self) -> None:
        self._timeline.sample(self._recorder)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._timeline.sample(self._recorder)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval_s):
            self._timeline.sample(self._recorder)


async def lag_probe(
    sleep: Callable[[float], Awaitable[None]],
    lateness: list[tuple[float, float]],
    origin: float,
    interval_s: float = 0.05,
) -> None:
    """Forever: sleep ``interval_s`` and append ``(t, seconds late)``. ``sleep`` is trio.sleep or
    asyncio.sleep, so both event loops are probed the same way. 20 wake-ups a second cost the
    generator ~1 ms of CPU per second: small beside a fleet's thousand messages a second."""
    while True:
        due = time.monotonic() + interval_s
        await sleep(interval_s)
        woke = time.monotonic()
        lateness.append((round(woke - origin, 3), max(0.0, woke - due)))
