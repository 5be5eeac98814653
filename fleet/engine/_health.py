"""The generator watches itself: once a second, how busy the process was, how late the sampling
tick woke up, and how many CALLs wait in the stations' send queues.

Sampling is the cheap way: nothing is added per message. Timer lateness, the per-event measure,
is reported by the station runners (``Recorder.timer_fired``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import trio

from fleet.metrics import LatencyHistogram

SAMPLE_INTERVAL_S = 1.0


@runtime_checkable
class HealthRecorder(Protocol):
    """What takes the monitor's samples (RunRecorder, the time series, the fan-out)."""

    def generator_sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None: ...


@runtime_checkable
class FoldedLatenessRecorder(Protocol):
    """Takes station timers' lateness folded into a histogram (the reactor hands it over once a
    second instead of one call per timer)."""

    def timers_fired(self, lateness: LatencyHistogram) -> None: ...


@runtime_checkable
class CostRecorder(Protocol):
    """Takes what the generator process spent on the run (CPU time, RSS growth)."""

    def generator_cost(
        self, cpu_s: float, seconds: float, stations: int, rss_growth_bytes: int, *, includes_csms: bool
    ) -> None: ...


def process_rss_bytes() -> int:
    """This process's resident set size now (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


async def monitor_generator(
    recorder: HealthRecorder,
    calls_waiting: Callable[[], int],
    *,
    interval_s: float = SAMPLE_INTERVAL_S,
    cpu_time: Callable[[], float] = time.process_time,
) -> None:
    """Sample until cancelled.

    Busy fraction = CPU seconds of this process / trio-clock seconds between two samples (the
    trio clock is the wall clock in a real run; in a MockClock test the figure says whether the
    process kept up with the simulated schedule). Loop lag = how late the tick itself woke.
    """
    tick = trio.current_time() + interval_s
    last_wall = trio.current_time()
    last_cpu = cpu_time()
    while True:
        await trio.sleep_until(tick)
        wall = trio.current_time()
        cpu = cpu_time()
        elapsed = wall - last_wall
        busy = (cpu - last_cpu) / elapsed if elapsed > 0 else 0.0
        recorder.generator_sampled(min(1.0, max(0.0, busy)), wall - tick, calls_waiting())
        last_wall, last_cpu = wall, cpu
        # the next tick follows the schedule, not the late wake-up; skip ticks already missed
        tick += interval_s * (int((wall - tick) / interval_s) + 1)
