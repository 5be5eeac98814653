"""What the stations themselves measured: latency per action, failures, dropped messages."""

from __future__ import annotations

import math
from typing import Any

from fleet.metrics import LatencyHistogram, latency_digest
from fleet.station import (
    CallFailed,
    CallSucceeded,
    Event,
    MessageDropped,
    RebootRequested,
    TransactionEnded,
    TransactionStarted,
)


class StationStats:
    def __init__(self) -> None:
        self.latency: dict[str, LatencyHistogram] = {}
        self.failures: dict[str, int] = {}  # "action/error code" -> count
        self.dropped: dict[str, int] = {}  # "action/reason" -> count
        self.transactions_started = 0
        self.transactions_ended = 0
        # summed exactly (math.fsum) when read: a running float sum would depend on the order
        # of the stations, so on how they were split into shards
        self.ended_energy_parts_wh: list[float] = []

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
                self.ended_energy_parts_wh.append(event.energy_wh)
            elif isinstance(event, MessageDropped):
                key = f"{event.action}/{event.reason}"
                self.dropped[key] = self.dropped.get(key, 0) + 1
            elif isinstance(event, RebootRequested):
                rebooting = True
        return rebooting

    @property
    def ended_energy_wh(self) -> float:
        return math.fsum(self.ended_energy_parts_wh)

    def merge(self, other: StationStats) -> None:
        """Add the stats of another shard into these (exact: counts add, histograms merge)."""
        for action, histogram in other.latency.items():
            mine = self.latency.get(action)
            if mine is None:
                mine = self.latency[action] = LatencyHistogram()
            mine.merge(histogram)
        for key, count in other.failures.items():
            self.failures[key] = self.failures.get(key, 0) + count
        for key, count in other.dropped.items():
            self.dropped[key] = self.dropped.get(key, 0) + count
        self.transactions_started += other.transactions_started
        self.transactions_ended += other.transactions_ended
        self.ended_energy_parts_wh += other.ended_energy_parts_wh

    def latency_summary(self) -> dict[str, Any]:
        """Per action and over all, sorted by action: the latency digest of fleet.metrics (ms)."""
        overall = LatencyHistogram()
        by_action: dict[str, Any] = {}
        for action in sorted(self.latency):
            histogram = self.latency[action]
            overall.merge(histogram)
            by_action[action] = latency_digest(histogram)
        return {"all": latency_digest(overall), "by_action": by_action}
