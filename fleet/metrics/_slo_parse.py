"""Reading one SLO threshold: ours (``p99(TransactionEvent) < 300ms``) and k6's spellings.

Ours is ``METRIC[(ACTION)] OP NUMBER[UNIT]``. k6's: ``p(95)<500``, ``avg``, ``med``, ``min``,
``max`` (a bare number is milliseconds, as in k6) and a ``NAME:`` in front naming what is measured,
as in k6's ``thresholds`` object: an action (``Heartbeat: p(95)<500``), all calls
(``http_req_duration: p(95)<500``) or the failed share of calls (``failed: rate<0.01``,
``http_req_failed: rate<0.01``; a bare ``rate`` stays messages per second). Names are checked
here, before any run: an unknown action or metric is refused with the closest known name.
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass

from fleet.metrics._ocpp_actions import CSMS_ACTIONS, STATION_ACTIONS


class Kind(enum.Enum):
    LATENCY = "latency"  # seconds
    RATIO = "ratio"  # 0..1
    RATE = "rate"  # per second
    COUNT = "count"


UNITS: dict[Kind, dict[str, float]] = {
    Kind.LATENCY: {"us": 1e-6, "ms": 1e-3, "s": 1.0},
    Kind.RATIO: {"%": 0.01, "": 1.0},
    Kind.RATE: {"/s": 1.0, "": 1.0},
    Kind.COUNT: {"": 1.0},
}

# metric name -> (kind, takes an action)
METRICS: dict[str, tuple[Kind, bool]] = {
    "max": (Kind.LATENCY, True),
    "mean": (Kind.LATENCY, True),
    "min": (Kind.LATENCY, True),
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
_K6_ALIASES = {"avg": "mean", "med": "p50"}  # k6 name -> ours
_K6_BARE_MS = {"avg", "med", "min", "max"}  # k6 names whose bare number is milliseconds
_FAILED_PREFIXES = ("failed", "http_req_failed")  # k6's Rate of failed requests
_ALL_CALLS_PREFIXES = ("http_req_duration",)  # k6's Trend of every request
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?|100)$")
_K6_PERCENTILE = re.compile(r"\s*p\(\s*(\d{1,2}(?:\.\d+)?|100)\s*\)")
_PREFIX = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(?!:)")
_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.]*)")
_ACTION = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9]*)\s*\)")
_OPERATOR = re.compile(r"\s*(<=|>=|==|!=|<|>)")
_NUMBER = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)")
_UNIT = re.compile(r"\s*(ms|us|s|%|/s)?\s*$")

SYNTAX_HELP = (
    "an SLO is METRIC[(ACTION)] OP NUMBER[UNIT]: METRIC is pNN (e.g. p50, p99, p99.9), max, min or mean "
    "(latency, unit us/ms/s), error_rate (unit % or a fraction), rate (messages/s), sent, errors, "
    "dropped, reconnects, booted, connected_peak, transactions_started, transactions_ended, lost, "
    "duplicated or out_of_order; OP is one of < <= > >= == !=; e.g. 'p99(TransactionEvent) < 300ms', "
    "'error_rate < 0.1%'; k6's spellings too: 'p(95)<500', 'avg<200', 'Heartbeat: med<50', "
    "'failed: rate<0.01'"
)


class SloSyntaxError(ValueError):
    """A threshold that does not parse; the message points at the offending place. A name that
    is not known (``one_line``) is said in one line, with the closest known name."""

    def __init__(self, text: str, position: int, problem: str, *, one_line: bool = False) -> None:
        self.text = text
        self.position = position
        self.problem = problem
        if one_line:
            super().__init__(f"bad SLO {text!r}: {problem}")
            return
        pointer = " " * (position + 4) + "^"
        super().__init__(f"bad SLO {text!r}: {problem}\n    {text}\n{pointer}\n{SYNTAX_HELP}")


@dataclass(frozen=True, slots=True)
class Slo:
    text: str  # as the user wrote it, for the verdict line
    metric: str  # ours: p50, mean, error_rate, ... (k6's avg is mean, med is p50)
    action: str | None
    op: str
    threshold: float  # in base units: seconds, fraction, per second, count
    kind: Kind
    unit: str  # the unit the user wrote (ms for a k6 bare number), to print the measured value
    percentile: float | None = None


@dataclass(frozen=True, slots=True)
class _Scope:
    """What a ``NAME:`` in front of a threshold says: one action, or the failed share of calls."""

    action: str | None = None
    failed_share: bool = False  # "failed: rate<0.01": rate is the share of failed calls
    k6: bool = False  # a k6 metric name: bare latency numbers are milliseconds


@dataclass(frozen=True, slots=True)
class _Metric:
    name: str
    kind: Kind
    takes_action: bool
    percentile: float | None
    bare_ms: bool  # a number without a unit is milliseconds (k6)


def parse_slo(text: str) -> Slo:
    """Parse one threshold; SloSyntaxError says what is wrong and where."""
    scope, position = _scope(text)
    metric, position = _metric(text, position, scope)
    action, position = _action(text, position, metric, scope)
    if (found := _OPERATOR.match(text, position)) is None:
        raise SloSyntaxError(text, position, "expected a comparison: < <= > >= == !=")
    op = found.group(1)
    position = found.end()
    if (found := _NUMBER.match(text, position)) is None:
        raise SloSyntaxError(text, position, "expected a number")
    number = float(found.group(1))
    position = found.end()
    kind = metric.kind
    if (found := _UNIT.match(text, position)) is None:
        raise SloSyntaxError(text, position, f"unexpected text; units for {metric.name}: {_unit_list(kind)}")
    unit = found.group(1) or ("ms" if metric.bare_ms else "")
    if unit not in UNITS[kind] or (kind is Kind.LATENCY and not unit):
        where = found.start(1) if found.group(1) else position
        raise SloSyntaxError(text, where, f"{metric.name} needs a unit: {_unit_list(kind)}")
    return Slo(
        text=text.strip(),
        metric=metric.name,
        action=action,
        op=op,
        threshold=number * UNITS[kind][unit],
        kind=kind,
        unit=unit,
        percentile=metric.percentile,
    )


def _scope(text: str) -> tuple[_Scope, int]:
    """The k6-style ``NAME:`` in front, if any, and where the metric starts."""
    found = _PREFIX.match(text)
    if found is None:
        return _Scope(), 0
    name = found.group(1)
    if name in _FAILED_PREFIXES:
        return _Scope(failed_share=True, k6=True), found.end()
    if name in _ALL_CALLS_PREFIXES:
        return _Scope(k6=True), found.end()
    check_action(text, found.start(1), name)
    return _Scope(action=name, k6=True), found.end()


def _metric(text: str, position: int, scope: _Scope) -> tuple[_Metric, int]:
    if (found := _K6_PERCENTILE.match(text, position)) is not None:
        metric = _Metric(f"p{found.group(1)}", Kind.LATENCY, True, float(found.group(1)), bare_ms=True)
        return _fitting_scope(text, position, metric, scope), found.end()
    if (match := _NAME.match(text, position)) is None:
        raise SloSyntaxError(text, position, "expected a metric name such as p99 or error_rate")
    written = match.group(1)
    name = _K6_ALIASES.get(written, written)
    if (percentile := _PERCENTILE.match(name)) is not None:
        metric = _Metric(name, Kind.LATENCY, True, float(percentile.group(1)), bare_ms=written == "med")
    elif name in METRICS:
        kind, takes_action = METRICS[name]
        metric = _Metric(name, kind, takes_action, None, bare_ms=written in _K6_BARE_MS or scope.k6)
    else:
        raise SloSyntaxError(
            text, match.start(1), _unknown("metric", written, _metric_names()), one_line=True
        )
    if scope.k6 and metric.kind is Kind.LATENCY:
        metric = _Metric(metric.name, metric.kind, True, metric.percentile, bare_ms=True)
    return _fitting_scope(text, match.start(1), metric, scope), match.end()


def _fitting_scope(text: str, position: int, metric: _Metric, scope: _Scope) -> _Metric:
    """The metric as the scope in front reads it: after ``failed:`` only ``rate``, which is then the
    share of failed calls (our error_rate)."""
    if not scope.failed_share:
        return metric
    if metric.name != "rate":
        raise SloSyntaxError(text, position, "after 'failed:' the metric is rate (the share of failed calls)")
    return _Metric("error_rate", Kind.RATIO, True, None, bare_ms=False)


def _action(text: str, position: int, metric: _Metric, scope: _Scope) -> tuple[str | None, int]:
    if (found := _ACTION.match(text, position)) is not None:
        if not metric.takes_action:
            raise SloSyntaxError(text, position, f"{metric.name} is for the whole run; it takes no (ACTION)")
        if scope.action is not None:
            raise SloSyntaxError(text, position, f"the action is already named in front: {scope.action}")
        check_action(text, found.start(1), found.group(1))
        return found.group(1), found.end()
    if text[position:].lstrip().startswith("("):
        raise SloSyntaxError(text, position, "expected (ACTION) with an OCPP action name, e.g. (Heartbeat)")
    if scope.action is not None and not metric.takes_action:
        raise SloSyntaxError(text, position, f"{metric.name} is for the whole run; it takes no action")
    return scope.action, position


def check_action(text: str, position: int, action: str) -> None:
    """Refuse a name that is not an action a station sends (one line, with the closest name)."""
    if action in STATION_ACTIONS:
        return
    if action in CSMS_ACTIONS:
        problem = f"{action} is sent by the CSMS; an SLO measures the calls the stations send"
    else:
        problem = _unknown("action", action, sorted(STATION_ACTIONS))
    raise SloSyntaxError(text, position, problem, one_line=True)


def _unknown(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
    return f"unknown {what} {name!r}{hint}"


def _metric_names() -> list[str]:
    return [*METRICS, *_K6_ALIASES, "p50", "p90", "p95", "p99", "p(95)"]


def _unit_list(kind: Kind) -> str:
    units = [unit or "none" for unit in UNITS[kind]]
    return ", ".join(units)
