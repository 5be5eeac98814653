"""Service-level thresholds a run must meet: ``p99(TransactionEvent) < 300ms``, ``error_rate < 0.1%``.

One threshold is ``METRIC[(ACTION)] OP NUMBER[UNIT]``. Latency metrics are checked against the
run's histograms merged exactly (successful and failed calls together, measured from the intended
send time), never against averaged percentiles. A threshold with nothing to measure (no call of
that action was answered) fails with that reason instead of passing silently.
"""

from __future__ import annotations

import enum
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fleet.metrics._recorder import RunRecorder


class Kind(enum.Enum):
    LATENCY = "latency"  # seconds
    RATIO = "ratio"  # 0..1
    RATE = "rate"  # per second
    COUNT = "count"


_UNITS: dict[Kind, dict[str, float]] = {
    Kind.LATENCY: {"us": 1e-6, "ms": 1e-3, "s": 1.0},
    Kind.RATIO: {"%": 0.01, "": 1.0},
    Kind.RATE: {"/s": 1.0, "": 1.0},
    Kind.COUNT: {"": 1.0},
}
_REQUIRED_UNIT = {Kind.LATENCY}  # "< 300" alone is ambiguous for a latency

# metric name -> (kind, takes an action)
_METRICS: dict[str, tuple[Kind, bool]] = {
    "max": (Kind.LATENCY, True),
    "mean": (Kind.LATENCY, True),
    "error_rate": (Kind.RATIO, True),
    "rate": (Kind.RATE, True),
    "sent": (Kind.COUNT, True),
    "errors": (Kind.COUNT, False),
    "dropped": (Kind.COUNT, False),
    "reconnects": (Kind.COUNT, False),
    "booted": (Kind.COUNT, False),
    "connected_peak": (Kind.COUNT, False),
    "transactions_started": (Kind.COUNT, False),
    "transactions_ended": (Kind.COUNT, False),
    # loss accounting against the embedded CSMS's ledger (summary "loss")
    "lost": (Kind.COUNT, False),
    "duplicated": (Kind.COUNT, False),
    "out_of_order": (Kind.COUNT, False),
}
_LOSS_METRICS = ("lost", "duplicated", "out_of_order")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?|100)$")
_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.]*)")
_ACTION = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9]*)\s*\)")
_OPERATOR = re.compile(r"\s*(<=|>=|==|!=|<|>)")
_NUMBER = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)")
_UNIT = re.compile(r"\s*(ms|us|s|%|/s)?\s*$")

SYNTAX_HELP = (
    "an SLO is METRIC[(ACTION)] OP NUMBER[UNIT]: METRIC is pNN (e.g. p50, p99, p99.9), max or mean "
    "(latency, unit us/ms/s), error_rate (unit % or a fraction), rate (messages/s), sent, errors, "
    "dropped, reconnects, booted, connected_peak, transactions_started or transactions_ended; "
    "OP is one of < <= > >= == !=; e.g. 'p99(TransactionEvent) < 300ms', 'error_rate < 0.1%'"
)


class SloSyntaxError(ValueError):
    """A threshold that does not parse; the message points at the offending place."""

    def __init__(self, text: str, position: int, problem: str) -> None:
        self.text = text
        self.position = position
        self.problem = problem
        pointer = " " * (position + 4) + "^"
        super().__init__(f"bad SLO {text!r}: {problem}\n    {text}\n{pointer}\n{SYNTAX_HELP}")


@dataclass(frozen=True, slots=True)
class Slo:
    text: str  # as the user wrote it, for the verdict line
    metric: str
    action: str | None
    op: str
    threshold: float  # in base units: seconds, fraction, per second, count
    kind: Kind
    unit: str  # the unit the user wrote, used to print the measured value the same way
    percentile: float | None = None


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


def parse_slo(text: str) -> Slo:
    """Parse one threshold; SloSyntaxError says what is wrong and where."""
    position = 0
    match = _NAME.match(text, position)
    if match is None:
        raise SloSyntaxError(text, position, "expected a metric name such as p99 or error_rate")
    metric = match.group(1)
    metric_at = match.start(1)
    percentile: float | None = None
    if (found := _PERCENTILE.match(metric)) is not None:
        percentile = float(found.group(1))
        kind, takes_action = Kind.LATENCY, True
    elif metric in _METRICS:
        kind, takes_action = _METRICS[metric]
    else:
        raise SloSyntaxError(text, metric_at, f"unknown metric {metric!r}")
    position = match.end()
    action: str | None = None
    if (found := _ACTION.match(text, position)) is not None:
        if not takes_action:
            raise SloSyntaxError(text, position, f"{metric} is for the whole run; it takes no (ACTION)")
        action = found.group(1)
        position = found.end()
    elif text[position:].lstrip().startswith("("):
        raise SloSyntaxError(text, position, "expected (ACTION) with an OCPP action name, e.g. (Heartbeat)")
    if (found := _OPERATOR.match(text, position)) is None:
        raise SloSyntaxError(text, position, "expected a comparison: < <= > >= == !=")
    op = found.group(1)
    position = found.end()
    if (found := _NUMBER.match(text, position)) is None:
        raise SloSyntaxError(text, position, "expected a number")
    number = float(found.group(1))
    position = found.end()
    if (found := _UNIT.match(text, position)) is None:
        raise SloSyntaxError(text, position, f"unexpected text; units for {metric}: {_unit_list(kind)}")
    unit = found.group(1) or ""
    if unit not in _UNITS[kind] or (kind in _REQUIRED_UNIT and not unit):
        raise SloSyntaxError(
            text, found.start(1) if unit else position, f"{metric} needs a unit: {_unit_list(kind)}"
        )
    return Slo(
        text=text.strip(),
        metric=metric,
        action=action,
        op=op,
        threshold=number * _UNITS[kind][unit],
        kind=kind,
        unit=unit,
        percentile=percentile,
    )


def _unit_list(kind: Kind) -> str:
    units = [unit or "none" for unit in _UNITS[kind]]
    return ", ".join(units)


def evaluate_slos(slos: list[Slo], recorder: RunRecorder, summary: Mapping[str, Any]) -> list[SloResult]:
    """Check each threshold against the run: latencies from ``recorder`` (exact histograms),
    run totals from ``summary`` (``RunRecorder.summary()`` output)."""
    return [_evaluate_one(slo, recorder, summary) for slo in slos]


def _evaluate_one(slo: Slo, recorder: RunRecorder, summary: Mapping[str, Any]) -> SloResult:
    measured, detail = _measure(slo, recorder, summary)
    if measured is None:
        return SloResult(slo, False, None, detail)
    passed = _OPERATORS[slo.op](measured, slo.threshold)
    shown = _show(measured, slo)
    return SloResult(slo, passed, measured, f"measured {shown}{detail}")


def _measure(slo: Slo, recorder: RunRecorder, summary: Mapping[str, Any]) -> tuple[float | None, str]:
    scope = f"{slo.action} calls" if slo.action else "calls"
    if slo.kind is Kind.LATENCY:
        histogram = recorder.latency(slo.action)
        if histogram.count == 0:
            return None, f"no {scope} were answered, nothing to measure"
        if slo.percentile is not None:
            value = histogram.percentile(slo.percentile)
        else:
            value = histogram.max if slo.metric == "max" else histogram.mean
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


def _run_total(metric: str, recorder: RunRecorder, summary: Mapping[str, Any]) -> int:
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
    scale = _UNITS[slo.kind][slo.unit]
    shown = value / scale
    text = f"{shown:.3f}".rstrip("0").rstrip(".") if math.isfinite(shown) else str(shown)
    return f"{text}{slo.unit}" if slo.kind is not Kind.RATE else f"{text}/s"
