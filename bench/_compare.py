"""Compare two results figure by figure: better, worse, or a regression beyond the tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["better", "same", "worse", "regression", "only old", "only new"]

# more is better for these; for every other figure less is better (time, CPU, memory, errors)
_HIGHER_IS_BETTER = (
    "messages_per_s",
    "steady_messages_per_s",
    "stations_connected_peak",
    "stations_connected_at_end",
    "stations_booted",
    "saturation_knee_stations",
    "saturation_knee_messages_per_s",
)
# counts that follow from the scenario, not from how well it ran
_INFORMATIONAL = ("stations_configured", "messages", "cpu_s", "rss_end_mb")


@dataclass(frozen=True, slots=True)
class Verdict:
    figure: str
    old: float | None
    new: float | None
    change: float | None  # (new - old) / |old|; None when either is missing or old is 0
    status: Status


def compare_results(old: dict[str, Any], new: dict[str, Any], tolerance: float) -> list[Verdict]:
    """One verdict per figure of either result; ``tolerance`` is a fraction (0.1 = 10 %)."""
    before: dict[str, float] = old.get("figures", {})
    after: dict[str, float] = new.get("figures", {})
    verdicts = []
    for name in sorted(before.keys() | after.keys()):
        if name in _INFORMATIONAL:
            continue
        verdicts.append(_verdict(name, before.get(name), after.get(name), tolerance))
    return verdicts


def _verdict(name: str, old: float | None, new: float | None, tolerance: float) -> Verdict:
    if old is None:
        return Verdict(name, old, new, None, "only new")
    if new is None:
        return Verdict(name, old, new, None, "only old")
    higher_better = name in _HIGHER_IS_BETTER
    gain = (new - old) if higher_better else (old - new)  # > 0: better
    change = (new - old) / abs(old) if old else None
    if gain == 0:
        return Verdict(name, old, new, change, "same")
    if gain > 0:
        return Verdict(name, old, new, change, "better")
    # worse: beyond the tolerance (or from exactly 0, e.g. errors appearing) it is a regression
    if change is None or abs(change) > tolerance:
        return Verdict(name, old, new, change, "regression")
    return Verdict(name, old, new, change, "worse")


def parse_tolerance(text: str) -> float:
    """'10%' or '0.1' -> 0.1."""
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not 0 <= value < 10:
        raise ValueError(f"tolerance must be between 0% and 1000%, got {text!r}")
    return value


def format_verdicts(verdicts: list[Verdict]) -> str:
    lines = [f"{'figure':44} {'old':>12} {'new':>12} {'change':>8}  verdict"]
    for v in verdicts:
        change = f"{v.change:+.1%}" if v.change is not None else "-"
        lines.append(f"{v.figure:44} {_num(v.old):>12} {_num(v.new):>12} {change:>8}  {v.status}")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
