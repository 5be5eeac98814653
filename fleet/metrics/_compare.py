"""Compare two run results (``fleet run --out`` JSON): what got better, what got worse.

A change counts as a regression only when it is worse by more than the relative tolerance AND
by more than an absolute floor, so a 0.2 ms -> 0.3 ms p50 (+50 %) on a loopback run is not
flagged: below ``LATENCY_FLOOR_MS`` latency moves are noise of the machine, not of the CSMS.

A latency percentile is judged only when both runs have at least ``MIN_TAIL_SAMPLES`` calls at
or above it: the p99 of 110 calls is their second-slowest, one scheduling hiccup away from
+80 %, so it is shown with the verdict "too few calls" (a p99 needs 1,000 calls, a p50 20).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from fleet.metrics._tolerance import Tolerances

LATENCY_FLOOR_MS = 1.0  # latency changes smaller than this are never regressions
ERROR_RATE_FLOOR = 0.1  # percentage points (error rates are in percent)
THROUGHPUT_FLOOR = 1.0  # messages per second
MIN_TAIL_SAMPLES = 10  # calls at or above a percentile, in each run, for it to be judged


class Better(enum.Enum):
    LOWER = "lower"
    HIGHER = "higher"


class Verdict(enum.Enum):
    BETTER = "better"
    WORSE = "worse"  # worse, but within tolerance or floor
    REGRESSION = "REGRESSION"
    SAME = "same"
    NEW = "new"  # only in the new run
    GONE = "gone"  # only in the base run
    FEW_SAMPLES = "too few calls"  # a percentile of too few calls to tell a change from noise


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of both runs: ``kind`` is one of FIGURE_KINDS, ``action`` None for a run total;
    ``tolerance`` the relative one it was judged with (0.10 = 10 %)."""

    action: str | None
    kind: str
    base: float | None
    new: float | None
    unit: str
    tolerance: float
    verdict: Verdict

    @property
    def name(self) -> str:
        return self.kind if self.action is None else f"{self.action} {self.kind}"

    @property
    def change(self) -> float | None:
        """The relative change (0.35 = +35 %), None without both values or with a base of 0."""
        if self.base is None or self.new is None or self.base == 0:
            return None
        return (self.new - self.base) / abs(self.base)

    def line(self) -> str:
        change = "" if self.change is None else f"{self.change * 100:+.1f}%"
        return (
            f"{self.name:<34} {show_value(self.base):>12} {show_value(self.new):>12} {self.unit:<5} "
            f"{change:>8} {self.tolerance * 100:>5g}%  {self.verdict.value}"
        )


def show_value(value: float | None) -> str:
    return "-" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".")


class ResultsError(ValueError):
    """A results file that cannot be compared; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class _Kind:
    """How one kind of figure is judged: which way is better, and the absolute floor a change
    must exceed as well as the tolerance."""

    kind: str
    unit: str
    better: Better
    floor: float


_LATENCY = {quantile: _Kind(quantile, "ms", Better.LOWER, LATENCY_FLOOR_MS) for quantile in ("p50", "p99")}
_ERROR_RATE = _Kind("error rate", "%", Better.LOWER, ERROR_RATE_FLOOR)
_THROUGHPUT = _Kind("throughput", "msg/s", Better.HIGHER, THROUGHPUT_FLOOR)
_TRANSACTIONS = _Kind("transactions started", "", Better.HIGHER, 1.0)


def figure_names(result: Mapping[str, Any]) -> list[str]:
    """The names of the figures ``compare_results`` reads from ``result`` (for checking the
    figures a --tolerance names before a run)."""
    names = [
        f"{action} {kind.kind}"
        for action in sorted(result.get("actions", {}))
        for kind in (*_LATENCY.values(), _ERROR_RATE)
    ]
    return [*names, _THROUGHPUT.kind, _TRANSACTIONS.kind]


def compare_results(
    base: Mapping[str, Any], new: Mapping[str, Any], tolerances: Tolerances | None = None
) -> list[Figure]:
    """Figures of both runs side by side with a verdict each (default tolerance 10 %)."""
    judge = _Judge(tolerances or Tolerances())
    figures: list[Figure] = []
    base_actions = base.get("actions", {})
    new_actions = new.get("actions", {})
    for action in sorted(base_actions.keys() | new_actions.keys()):
        before, after = base_actions.get(action), new_actions.get(action)
        for quantile, kind in _LATENCY.items():
            figure = judge(action, kind, _latency(before, quantile), _latency(after, quantile))
            if figure.verdict in _CHANGED and not _enough_calls(quantile, before, after):
                figure = replace(figure, verdict=Verdict.FEW_SAMPLES)
            figures.append(figure)
        figures.append(judge(action, _ERROR_RATE, _error_rate(before), _error_rate(after)))
    figures.append(judge(None, _THROUGHPUT, _throughput(base), _throughput(new)))
    figures.append(judge(None, _TRANSACTIONS, _transactions(base), _transactions(new)))
    return figures


@dataclass(frozen=True, slots=True)
class _Judge:
    tolerances: Tolerances

    def __call__(self, action: str | None, kind: _Kind, base: float | None, new: float | None) -> Figure:
        name = kind.kind if action is None else f"{action} {kind.kind}"
        tolerance = self.tolerances.for_figure(name, kind.kind)
        return Figure(
            action, kind.kind, base, new, kind.unit, tolerance, _verdict(kind, tolerance, base, new)
        )


def _verdict(kind: _Kind, tolerance: float, base: float | None, new: float | None) -> Verdict:
    if base is None and new is None:
        return Verdict.SAME
    if base is None:
        return Verdict.NEW
    if new is None:
        return Verdict.GONE
    worse_by = new - base if kind.better is Better.LOWER else base - new
    if worse_by == 0:
        return Verdict.SAME
    if worse_by < 0:
        return Verdict.BETTER
    if worse_by > kind.floor and worse_by > tolerance * abs(base):
        return Verdict.REGRESSION
    return Verdict.WORSE


_CHANGED = (Verdict.BETTER, Verdict.WORSE, Verdict.REGRESSION)


def _enough_calls(quantile: str, *actions: Mapping[str, Any] | None) -> bool:
    """Whether each run has MIN_TAIL_SAMPLES calls at or above the percentile (p99: 1,000 calls;
    a result that does not say how many is taken at its word)."""
    tail = 1.0 - float(quantile.removeprefix("p")) / 100.0
    counts = [action.get("latency_ms", {}).get("count") for action in actions if action is not None]
    return all(int(count) * tail >= MIN_TAIL_SAMPLES - 1e-9 for count in counts if count is not None)


def _latency(action: Mapping[str, Any] | None, quantile: str) -> float | None:
    if action is None or not action.get("ok"):
        return None
    value = action.get("latency_ms", {}).get(quantile)
    return None if value is None else float(value)


def _error_rate(action: Mapping[str, Any] | None) -> float | None:
    """Failed / completed calls, in percent."""
    if action is None:
        return None
    completed = int(action.get("ok", 0)) + int(action.get("errors", 0))
    return 100 * int(action.get("errors", 0)) / completed if completed else None


def _throughput(result: Mapping[str, Any]) -> float | None:
    duration = float(result.get("duration_s") or 0.0)
    return int(result.get("messages_sent", 0)) / duration if duration > 0 else None


def _transactions(result: Mapping[str, Any]) -> float:
    return float(result.get("transactions", {}).get("started", 0))


def check_results_shape(data: Any, path: str) -> Mapping[str, Any]:
    """The parts of a results file compare reads, checked so a wrong file gets a clear error."""
    if not isinstance(data, dict):
        raise ResultsError(
            f"{path}: expected a JSON object written by `fleet run --out`, found {_json_type(data)}"
        )
    for key, kind in (("actions", dict), ("duration_s", (int, float)), ("messages_sent", int)):
        if key not in data:
            raise ResultsError(f"{path}: missing key {key!r}; is this a `fleet run --out` results file?")
        if not isinstance(data[key], kind):
            raise ResultsError(f"{path}: {key!r} should be {_expected(kind)}, found {_json_type(data[key])}")
    return data


def _expected(kind: type | tuple[type, ...]) -> str:
    return "an object" if kind is dict else "a number"


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), type(value).__name__
    )
