"""What the stations themselves measured: latency per action, failures, dropped messages."""

from __future__ import annotations

from typing import Any

from fleet.metrics import LatencyHistogram
from fleet.station import (
    CallFailed,
    CallSucceeded,
    Event,
    MessageDropped,
    RebootRequested,
    TransactionEnded,
    TransactionStarted,
)

_PERCENTILES = (50.0, 90.0, 99.0)


class StationStats:
    def __init__(self) -> None:
        self.latency: dict[str, LatencyHistogram] = {}
        self.failures: dict[str, int] = {}  # "action/error code" -> count
        self.dropped: dict[str, int] = {}  # "action/reason" -> count
        self.transactions_started = 0
        self.transactions_ended = 0
        self.ended_energy_wh = 0.0

    def record(self, events: list[Event]) -> bool:
        """Take the events in; True when one of them asks the shell to reboot the station."""
        rebooting = False
        for event in events:
            # most events are CallSucceeded: test it first
            if isinstance(event, CallSucceeded):
                histogram = self.latency.get(event.action)
                if histogram is None:
                    histogram = self.latency[event.action] = LatencyHistogram()
                histogram.record(max(0.0, event.completed_at - event.intended_at))
            elif isinstance(event, CallFailed):
                key = f"{event.action}/{event.error_code}"
                self.failures[key] = self.failures.get(key, 0) + 1
            elif isinstance(event, TransactionStarted):
                self.transactions_started += 1
            elif isinstance(event, TransactionEnded):
                self.transactions_ended += 1
                self.ended_energy_wh += event.energy_wh
            elif isinstance(event, MessageDropped):
                key = f"{event.action}/{event.reason}"
                self.dropped[key] = self.dropped.get(key, 0) + 1
            elif isinstance(event, RebootRequested):
                rebooting = True
        return rebooting

    def latency_summary(self) -> dict[str, Any]:
        """Per action and over all: count and p50/p90/p99/max in ms, sorted by action."""
        overall = LatencyHistogram()
        by_action: dict[str, Any] = {}
        for action in sorted(self.latency):
            histogram = self.latency[action]
            overall.merge(histogram)
            by_action[action] = _digest(histogram)
        return {"all": _digest(overall), "by_action": by_action}


def _digest(histogram: LatencyHistogram) -> dict[str, Any]:
    p50, p90, p99 = histogram.percentiles(_PERCENTILES)
    return {
        "count": histogram.count,
        "p50_ms": round(p50 * 1000.0, 3),
        "p90_ms": round(p90 * 1000.0, 3),
        "p99_ms": round(p99 * 1000.0, 3),
        "max_ms": round(histogram.max * 1000.0, 3),
    }
