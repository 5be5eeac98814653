"""A step's measurements after its warm-up: the run's per-interval histograms and counts (its
``summary["timeseries"]``) merged exactly from the first interval that starts at or after the
window's start. It answers what an SLO is judged on (``fleet.metrics.evaluate_slos``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fleet.metrics import LatencyHistogram, Snapshot


class WindowMeasurements:
    """Latency per action, calls completed and failed, messages and other errors in the window."""

    __slots__ = ("_failed", "_latency", "duration_s", "errors", "messages")

    def __init__(self, series: Mapping[str, Any], start_s: float) -> None:
        starts = [float(t) for t in series.get("t", [])]
        first = next((i for i, t in enumerate(starts) if t >= start_s - 1e-9), len(starts))
        self.duration_s = max(
            0.0, float(series.get("t_end") or 0.0) - (starts[first] if starts[first:] else 0.0)
        )
        self.messages = sum(series.get("messages", [])[first:])
        self.errors = sum(series.get("errors", [])[first:])
        self._latency: dict[str, LatencyHistogram] = {}
        histograms = series.get("histograms", {}).get("latency", {})
        for action, column in histograms.items():
            merged = LatencyHistogram()
            for sparse in column[first:]:
                if sparse is not None:
                    merged.merge(LatencyHistogram.from_dict(sparse))
            self._latency[action] = merged
        by_action = series.get("call_errors_by_action", {})
        self._failed = {action: sum(column[first:]) for action, column in by_action.items()}

    def latency(self, action: str | None = None) -> LatencyHistogram:
        merged = LatencyHistogram()
        for name, histogram in self._latency.items():
            if action is None or name == action:
                merged.merge(histogram)
        return merged

    def call_counts(self, action: str | None = None) -> tuple[int, int, int]:
        """(sent, ok, failed): calls completed in the window count as sent (the window starts
        with calls in flight from before it; those answered in it are counted)."""
        completed = self.latency(action).count
        failed = sum(n for name, n in self._failed.items() if action is None or name == action)
        return completed, completed - failed, failed

    def snapshot(self) -> Snapshot:
        failed = self.call_counts()[2]
        return Snapshot(0, 0, 0, self.messages, self.errors + failed, 0, 0)

    def actions(self) -> list[str]:
        return sorted(name for name, histogram in self._latency.items() if histogram.count)

    def totals(self) -> dict[str, Any]:
        """What an SLO reads from a summary (rate: messages over the window's duration)."""
        return {"duration_s": self.duration_s, "messages_sent": self.messages}
