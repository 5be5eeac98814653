"""What the generator measures about itself: CPU time, RSS, progress, timer lateness.

A sampler thread reads the CPU time and RSS of the generator's processes (this one and, in a
sharded run, its shard workers: ``bench._process_tree``) and the recorder's counters a few times
a second (the same for the trio fleet and the asyncio peer); ``lag_probe`` runs inside the event
loop and records how late a short sleep wakes up, which is what every station timer suffers too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench._process_tree import tree_usage
from fleet.metrics import Snapshot

Row = tuple[float, float, int, int, int, int, int, int]


@dataclass(slots=True)
class Timeline:
    """Samples ``(t, cpu_s, rss_bytes, connected, booted, messages, transactions_active,
    processes)``; t in s since ``origin``; CPU and RSS summed over the generator's processes."""

    origin: float
    samples: list[Row] = field(default_factory=list)

    def sample(self, snapshot: Callable[[], Snapshot]) -> None:
        snap = snapshot()
        cpu, rss, processes = tree_usage()
        self.samples.append(
            (
                round(time.monotonic() - self.origin, 3),
                round(cpu, 4),
                rss,
                snap.connected,
                snap.booted,
                snap.messages_sent,
                snap.transactions_active,
                processes,
            )
        )


class Sampler:
    """Samples ``snapshot`` (the recorder's counters) and the processes every ``interval_s`` on
    a daemon thread until ``stop``."""

    def __init__(self, snapshot: Callable[[], Snapshot], timeline: Timeline, interval_s: float = 0.2) -> None:
        self._snapshot = snapshot
        self._timeline = timeline
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench sampler", daemon=True)

    def start(self) -> None:
        self._timeline.sample(self._snapshot)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._timeline.sample(self._snapshot)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval_s):
            self._timeline.sample(self._snapshot)


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
