"""Service-level thresholds a run must meet: ``p99(TransactionEvent) < 300ms``, ``error_rate < 0.1%``.

One threshold is ``METRIC[(ACTION)] OP NUMBER[UNIT]`` or a k6 spelling (``_slo_parse``). Latency
metrics are checked against the run's histograms merged exactly (successful and failed calls
together, measured from the intended send time), never against averaged percentiles. A threshold
with nothing to measure (no call of that action was answered) fails with that reason instead of
passing silently.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._recorder import Snapshot
from fleet.metrics._slo_parse import UNITS, Kind, Slo, SloSyntaxError, parse_slo

__all__ = ["Kind", "Slo", "SloMeasurements", "SloResult", "SloSyntaxError", "evaluate_slos", "parse_slo"]


class SloMeasurements(Protocol):
    """What a threshold is judged on: a ``RunRecorder``, or a window of a run (`fleet capacity`)."""

    def latency(self, action: str | None = None) -> LatencyHistogram: ...

    def call_counts(self, action: str | None = None) -> tuple[int, int, int]: ...

    def snapshot(self) -> Snapshot: ...


_LOSS_METRICS = ("lost", "duplicated", "out_of_order")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}


@dataclass(frozen=True, slots=True)
class SloResult:
    slo: Slo
    passed: bool
    measured: float | None  # base units; None when there was nothing to measure
    detail: str  # what was measured, or why nothing could be

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"SLO {verdict}  {self.slo.text}  ({self.detail})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "slo": self.slo.text,
            "passed": self.passed,
            "measured": self.measured,
            "threshold": self.slo.threshold,
            "detail": self.detail,
        }


def evaluate_slos(slos: list[Slo], recorder: SloMeasurements, summary: Mapping[str, Any]) -> list[SloResult]:
    """Check each threshold against the run: latencies from ``recorder`` (exact histograms),
    run totals from ``summary`` (``RunRecorder.summary()`` output)."""
    return [_evaluate_one(slo, recorder, summary) for slo in slos]


def _evaluate_one(slo: Slo, recorder: SloMeasurements, summary: Mapping[str, Any]) -> SloResult:
    measured, detail = _measure(slo, recorder, summary)
    if measured is None:
        return SloResult(slo, False, None, detail)
    passed = _OPERATORS[slo.op](measured, slo.threshold)
    shown = _show(measured, slo)
    return SloResult(slo, passed, measured, f"measured {shown}{detail}")


def _measure(slo: Slo, recorder: SloMeasurements, summary: Mapping[str, Any]) -> tuple[float | None, str]:
    scope = f"{slo.action} calls" if slo.action else "calls"
    if slo.kind is Kind.LATENCY:
        histogram = recorder.latency(slo.action)
        if histogram.count == 0:
            return None, f"no {scope} were answered, nothing to measure"
        if slo.percentile is not None:
            value = histogram.percentile(slo.percentile)
        else:
            value = {"max": histogram.max, "min": histogram.min}.get(slo.metric, histogram.mean)
        return value, f" over {histogram.count:,} {scope}"
    sent, ok, failed = recorder.call_counts(slo.action)
    if slo.metric == "error_rate":
        completed = ok + failed
        if completed == 0:
            return None, f"no {scope} completed, nothing to measure"
        return failed / completed, f" ({failed:,} of {completed:,} {scope} failed)"
    if slo.metric == "rate":
        duration = float(summary.get("duration_s") or 0.0)
        if duration <= 0.0:
            return None, "the run has no duration"
        count = sent if slo.action else int(summary.get("messages_sent", 0))
        return count / duration, f" ({count:,} messages in {duration:g} s)"
    if slo.metric == "sent":
        return float(sent if slo.action else int(summary.get("messages_sent", 0))), ""
    if slo.metric in _LOSS_METRICS:
        loss = summary.get("loss")
        if not loss:
            return None, "no loss accounting: it needs the embedded CSMS's ledger (else: fleet verify)"
        return float(loss[slo.metric]), f" of {int(loss['acknowledged']):,} transaction messages"
    return float(_run_total(slo.metric, recorder, summary)), ""


def _run_total(metric: str, recorder: SloMeasurements, summary: Mapping[str, Any]) -> int:
    stations = summary.get("stations", {})
    transactions = summary.get("transactions", {})
    totals: dict[str, Callable[[], int]] = {
        "errors": lambda: recorder.snapshot().errors,
        "dropped": lambda: sum(int(item["count"]) for item in summary.get("messages_dropped", [])),
        "reconnects": lambda: int(stations.get("reconnects", 0)),
        "booted": lambda: int(stations.get("booted", 0)),
        "connected_peak": lambda: int(stations.get("connected_peak", 0)),
        "transactions_started": lambda: int(transactions.get("started", 0)),
        "transactions_ended": lambda: int(transactions.get("ended", 0)),
    }
    return totals[metric]()


def _show(value: float, slo: Slo) -> str:
    if slo.kind is Kind.COUNT:
        return f"{value:,.0f}"
    scale = UNITS[slo.kind][slo.unit]
    shown = value / scale
    text = f"{shown:.3f}".rstrip("0").rstrip(".") if math.isfinite(shown) else str(shown)
    return f"{text}{slo.unit}" if slo.kind is not Kind.RATE else f"{text}/s"
