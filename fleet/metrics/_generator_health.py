"""Is the load generator itself keeping up? Timer lateness, event-loop busy fraction, queue depth.

A run whose generator was saturated measures the generator, not the CSMS: such a run is flagged
(``saturated`` with the reasons), never silently published as a CSMS result.

Inputs are plain numbers from the shell: ``timer_fired`` each time a station's timer runs
(how late, in real seconds), ``sampled`` about once a second (busy fraction of the process,
lag of the sampling tick itself, CALLs waiting in the stations' send queues).
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._latency_digest import latency_digest
from fleet.metrics._plain_data import from_plain, to_plain

# a timer that runs this late at p99 means the event loop cannot keep the schedule
LATENESS_P99_LIMIT_S = 0.100
# busy above this fraction of wall time for this many consecutive samples (seconds): saturated
BUSY_LIMIT = 0.9
BUSY_STREAK_LIMIT = 5
# the sampling tick itself woke this late at p99: the loop had no time for its own tasks
LOOP_LAG_P99_LIMIT_S = 0.100
# this many CALLs waiting in the stations' queues while the loop was busy or lagging: the
# generator could not send what was due (a slow CSMS alone keeps the loop idle, not busy)
CALLS_WAITING_LIMIT = 100
QUEUED_LAG_LIMIT_S = 0.050


class _HealthData(msgspec.Struct, forbid_unknown_fields=True):
    timer_lateness: dict[str, Any]
    loop_lag: dict[str, Any]
    samples: int
    busy_sum: float
    busy_max: float
    busy_streak: int
    busy_streak_max: int
    calls_waiting_max: int
    calls_waiting_busy_max: int = 0
    cpu_s: float = 0.0
    seconds: float = 0.0
    stations: int = 0
    rss_growth_bytes: int = 0
    includes_csms: bool = False


class GeneratorHealth:
    """Mergeable record of the generator's own lag; ``summary()`` says whether it was saturated."""

    __slots__ = (
        "_busy_max",
        "_busy_streak",
        "_busy_streak_max",
        "_busy_sum",
        "_calls_waiting_busy_max",
        "_calls_waiting_max",
        "_cpu_s",
        "_includes_csms",
        "_loop_lag",
        "_rss_growth_bytes",
        "_samples",
        "_seconds",
        "_stations",
        "_timer_lateness",
    )

    def __init__(self) -> None:
        self._timer_lateness = LatencyHistogram()
        self._loop_lag = LatencyHistogram()
        self._samples = 0
        self._busy_sum = 0.0
        self._busy_max = 0.0
        self._busy_streak = 0
        self._busy_streak_max = 0
        self._calls_waiting_busy_max = 0  # most CALLs queued in a busy or lagging second
        self._cpu_s = 0.0  # process CPU time (user + system) over the run
        self._seconds = 0.0
        self._stations = 0
        self._rss_growth_bytes = 0  # RSS at the end minus RSS before the first station
        self._includes_csms = False  # the embedded CSMS ran in the same process
        self._calls_waiting_max = 0

    def timer_fired(self, lateness_s: float) -> None:
        # a clock round trip can leave a hair below zero; that is "on time"
        self._timer_lateness.record(max(0.0, lateness_s))

    def timers_fired(self, lateness: LatencyHistogram) -> None:
        """Many timers' lateness at once (the reactor folds them per second)."""
        self._timer_lateness.merge(lateness)

    def cost(
        self, cpu_s: float, seconds: float, stations: int, rss_growth_bytes: int, *, includes_csms: bool
    ) -> None:
        """What the generator process spent on the run (its own measure, for the results)."""
        self._cpu_s = cpu_s
        self._seconds = seconds
        self._stations = stations
        self._rss_growth_bytes = rss_growth_bytes
        self._includes_csms = includes_csms

    def sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None:
        if not math.isfinite(busy_fraction):
            raise ValueError(f"busy fraction must be a finite number, got {busy_fraction!r}")
        busy = min(1.0, max(0.0, busy_fraction))
        self._samples += 1
        self._busy_sum += busy
        self._busy_max = max(self._busy_max, busy)
        self._busy_streak = self._busy_streak + 1 if busy > BUSY_LIMIT else 0
        self._busy_streak_max = max(self._busy_streak_max, self._busy_streak)
        self._loop_lag.record(max(0.0, loop_lag_s))
        self._calls_waiting_max = max(self._calls_waiting_max, calls_waiting)
        if busy > BUSY_LIMIT or loop_lag_s > QUEUED_LAG_LIMIT_S:
            # queued while this very second was busy or lagging: the generator could not send
            self._calls_waiting_busy_max = max(self._calls_waiting_busy_max, calls_waiting)

    def merge(self, other: GeneratorHealth) -> None:
        """Add another process's record. Busy streaks stay per process (a streak is consecutive
        samples of one event loop), so the merged streak is the longer of the two."""
        self._timer_lateness.merge(other._timer_lateness)
        self._loop_lag.merge(other._loop_lag)
        self._samples += other._samples
        self._busy_sum += other._busy_sum
        self._busy_max = max(self._busy_max, other._busy_max)
        self._busy_streak_max = max(self._busy_streak_max, other._busy_streak_max)
        # queue depths of different processes add up at the same moment: an upper bound
        self._calls_waiting_max += other._calls_waiting_max
        self._calls_waiting_busy_max += other._calls_waiting_busy_max
        # shards' processes add up; the run lasts as long as its longest shard
        self._cpu_s += other._cpu_s
        self._seconds = max(self._seconds, other._seconds)
        self._stations += other._stations
        self._rss_growth_bytes += other._rss_growth_bytes
        self._includes_csms = self._includes_csms or other._includes_csms

    def saturation_reasons(self) -> list[str]:
        reasons = []
        lateness_p99 = self._timer_lateness.percentile(99)
        if self._timer_lateness.count and lateness_p99 > LATENESS_P99_LIMIT_S:
            reasons.append(
                f"timer lateness p99 {lateness_p99 * 1000:.0f} ms > {LATENESS_P99_LIMIT_S * 1000:.0f} ms"
            )
        if self._busy_streak_max >= BUSY_STREAK_LIMIT:
            reasons.append(
                f"event loop busy > {BUSY_LIMIT:.0%} for {self._busy_streak_max} s in a row "
                f"(limit {BUSY_STREAK_LIMIT} s)"
            )
        lag_p99 = self._loop_lag.percentile(99) if self._loop_lag.count else 0.0
        if lag_p99 > LOOP_LAG_P99_LIMIT_S:
            reasons.append(
                f"event loop lag p99 {lag_p99 * 1000:.0f} ms > {LOOP_LAG_P99_LIMIT_S * 1000:.0f} ms"
            )
        if self._calls_waiting_busy_max >= CALLS_WAITING_LIMIT:
            reasons.append(
                f"{self._calls_waiting_busy_max} CALLs waiting in the stations' queues in a second when the "
                f"event loop was busy (> {BUSY_LIMIT:.0%}) or lagging (> {QUEUED_LAG_LIMIT_S * 1000:.0f} ms)"
            )
        return reasons

    def cost_summary(self, messages: int) -> dict[str, Any]:
        """CPU per message and per station-second, RSS per station: the generator's own bill."""
        station_seconds = self._stations * self._seconds
        return {
            "cpu_s": round(self._cpu_s, 3),
            "cpu_us_per_message": round(self._cpu_s / messages * 1e6, 1) if messages else None,
            "cpu_us_per_station_second": (
                round(self._cpu_s / station_seconds * 1e6, 2) if station_seconds else None
            ),
            "rss_kb_per_station": (
                round(self._rss_growth_bytes / 1024 / self._stations, 2) if self._stations else None
            ),
            "stations": self._stations,
            # the embedded CSMS shares the process: its CPU is in these figures
            "includes_embedded_csms": self._includes_csms,
        }

    def summary(self) -> dict[str, Any]:
        reasons = self.saturation_reasons()
        return {
            "saturated": bool(reasons),
            "reasons": reasons,
            "timer_lateness_ms": latency_digest(self._timer_lateness),
            "loop_lag_ms": latency_digest(self._loop_lag),
            "busy_fraction": {
                "mean": round(self._busy_sum / self._samples, 3) if self._samples else 0.0,
                "max": round(self._busy_max, 3),
                "longest_busy_s": self._busy_streak_max,
            },
            "calls_waiting_max": self._calls_waiting_max,
            "samples": self._samples,
        }

    def to_dict(self) -> dict[str, Any]:
        data = _HealthData(
            timer_lateness=self._timer_lateness.to_dict(),
            loop_lag=self._loop_lag.to_dict(),
            samples=self._samples,
            busy_sum=self._busy_sum,
            busy_max=self._busy_max,
            busy_streak=self._busy_streak,
            busy_streak_max=self._busy_streak_max,
            calls_waiting_max=self._calls_waiting_max,
            calls_waiting_busy_max=self._calls_waiting_busy_max,
            cpu_s=self._cpu_s,
            seconds=self._seconds,
            stations=self._stations,
            rss_growth_bytes=self._rss_growth_bytes,
            includes_csms=self._includes_csms,
        )
        return to_plain(data)

    @classmethod
    def from_dict(cls, data: Any) -> GeneratorHealth:
        parsed = from_plain(data, _HealthData, "generator health")
        health = cls()
        health._timer_lateness = LatencyHistogram.from_dict(parsed.timer_lateness)
        health._loop_lag = LatencyHistogram.from_dict(parsed.loop_lag)
        health._samples = parsed.samples
        health._busy_sum = parsed.busy_sum
        health._busy_max = parsed.busy_max
        health._busy_streak = parsed.busy_streak
        health._busy_streak_max = parsed.busy_streak_max
        health._calls_waiting_max = parsed.calls_waiting_max
        health._calls_waiting_busy_max = parsed.calls_waiting_busy_max
        health._cpu_s = parsed.cpu_s
        health._seconds = parsed.seconds
        health._stations = parsed.stations
        health._rss_growth_bytes = parsed.rss_growth_bytes
        health._includes_csms = parsed.includes_csms
        return health
