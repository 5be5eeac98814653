"""Compare two run results (``fleet run --out`` JSON): what got better, what got worse.

A change counts as a regression only when it is worse by more than the relative tolerance AND
by more than an absolute floor, so a 0.2 ms -> 0.3 ms p50 (+50 %) on a loopback run is not
flagged: below ``LATENCY_FLOOR_MS`` latency moves are noise of the machine, not of the CSMS.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LATENCY_FLOOR_MS = 1.0  # latency changes smaller than this are never regressions
ERROR_RATE_FLOOR = 0.001  # 0.1 percentage point
THROUGHPUT_FLOOR = 1.0  # messages per second


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


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    base: float | None
    new: float | None
    unit: str
    verdict: Verdict

    def line(self) -> str:
        def show(value: float | None) -> str:
            return "-" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".")

        change = ""
        if self.base is not None and self.new is not None and self.base != 0:
            change = f"{(self.new - self.base) / abs(self.base) * 100:+.1f}%"
        return (
            f"{self.name:<34} {show(self.base):>12} {show(self.new):>12} {self.unit:<5} "
            f"{change:>8}  {self.verdict.value}"
        )


class ResultsError(ValueError):
    """A results file that cannot be compared; the message names the file and the problem."""


def compare_results(
    base: Mapping[str, Any], new: Mapping[str, Any], *, tolerance: float = 0.10
) -> list[Figure]:
    """Figures of both runs side by side with a verdict each; ``tolerance`` is relative (0.10 = 10 %)."""
    figures: list[Figure] = []
    base_actions = base.get("actions", {})
    new_actions = new.get("actions", {})
    for action in sorted(base_actions.keys() | new_actions.keys()):
        for quantile in ("p50", "p99"):
            figures.append(
                _figure(
                    f"{action} {quantile}",
                    _latency(base_actions.get(action), quantile),
                    _latency(new_actions.get(action), quantile),
                    "ms",
                    Better.LOWER,
                    tolerance,
                    LATENCY_FLOOR_MS,
                )
            )
        figures.append(
            _figure(
                f"{action} error rate",
                _error_rate(base_actions.get(action)),
                _error_rate(new_actions.get(action)),
                "",
                Better.LOWER,
                tolerance,
                ERROR_RATE_FLOOR,
            )
        )
    figures.append(
        _figure(
            "throughput",
            _throughput(base),
            _throughput(new),
            "msg/s",
            Better.HIGHER,
            tolerance,
            THROUGHPUT_FLOOR,
        )
    )
    figures.append(
        _figure(
            "transactions started",
            float(base.get("transactions", {}).get("started", 0)),
            float(new.get("transactions", {}).get("started", 0)),
            "",
            Better.HIGHER,
            tolerance,
            1.0,
        )
    )
    return figures


def _figure(
    name: str,
    base: float | None,
    new: float | None,
    unit: str,
    better: Better,
    tolerance: float,
    floor: float,
) -> Figure:
    if base is None and new is None:
        verdict = Verdict.SAME
    elif base is None:
        verdict = Verdict.NEW
    elif new is None:
        verdict = Verdict.GONE
    else:
        worse_by = new - base if better is Better.LOWER else base - new
        if worse_by == 0:
            verdict = Verdict.SAME
        elif worse_by < 0:
            verdict = Verdict.BETTER
        elif worse_by > floor and worse_by > tolerance * abs(base):
            verdict = Verdict.REGRESSION
        else:
            verdict = Verdict.WORSE
    return Figure(name, base, new, unit, verdict)


def _latency(action: Mapping[str, Any] | None, quantile: str) -> float | None:
    if action is None or not action.get("ok"):
        return None
    value = action.get("latency_ms", {}).get(quantile)
    return None if value is None else float(value)


def _error_rate(action: Mapping[str, Any] | None) -> float | None:
    if action is None:
        return None
    completed = int(action.get("ok", 0)) + int(action.get("errors", 0))
    return int(action.get("errors", 0)) / completed if completed else None


def _throughput(result: Mapping[str, Any]) -> float | None:
    duration = float(result.get("duration_s") or 0.0)
    return int(result.get("messages_sent", 0)) / duration if duration > 0 else None


def check_results_shape(data: Any, path: str) -> Mapping[str, Any]:
    """The parts of a results file compare reads, checked so a wrong file gets a clear error."""
    if not isinstance(data, dict):
        raise ResultsError(
            f"{path}: expected a JSON object written by `fleet run --out`, found {_kind(data)}"
        )
    for key, kind in (("actions", dict), ("duration_s", (int, float)), ("messages_sent", int)):
        if key not in data:
            raise ResultsError(f"{path}: missing key {key!r}; is this a `fleet run --out` results file?")
        if not isinstance(data[key], kind):
            raise ResultsError(f"{path}: {key!r} should be {_expected(kind)}, found {_kind(data[key])}")
    return data


def _expected(kind: type | tuple[type, ...]) -> str:
    return "an object" if kind is dict else "a number"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def format_comparison(figures: list[Figure], base_name: str, new_name: str) -> str:
    header = f"{'figure':<34} {'base':>12} {'new':>12} {'unit':<5} {'change':>8}  verdict"
    lines = [f"base: {base_name}", f"new:  {new_name}", header, "-" * len(header)]
    lines.extend(figure.line() for figure in figures)
    regressions = [figure.name for figure in figures if figure.verdict is Verdict.REGRESSION]
    lines.append(
        f"{len(regressions)} regression(s): {', '.join(regressions)}" if regressions else "no regressions"
    )
    return "\n".join(lines)
