"""The search's answer: one line for people, one dict for JSON (every step, the verdict)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fleet.capacity._axis import STATIONS, LoadAxis
from fleet.capacity._search import SearchOutcome
from fleet.capacity._step import StepResult

Finding = Literal["found", "at_least", "below_start", "inconclusive"]


@dataclass(frozen=True, slots=True)
class CapacityAnswer:
    finding: Finding
    stations: int  # what the CSMS holds (the largest good step; 0 when none was good)
    messages_per_s: float
    line: str
    outcome: SearchOutcome
    axis: LoadAxis = STATIONS

    def to_dict(self, slos: list[str], headroom: dict[str, Any] | None = None) -> dict[str, Any]:
        bad, stop, good, axis = self.outcome.bad, self.outcome.inconclusive, self.outcome.good, self.axis
        return {
            "answer": self.line,
            "finding": self.finding,
            "vary": axis.vary,
            "axis_label": axis.label,
            "capacity_stations": self.stations,
            "capacity_rate_multiplier": good.rate_multiplier if good is not None else None,
            "capacity_messages_per_s": self.messages_per_s,
            "breaks_at": self._value(bad),
            "inconclusive_at": self._value(stop),
            "first_errors": first[1] if (first := _first_errors(self.outcome)) else None,
            "slos": slos,
            "forecast": headroom,
            "steps": [
                {**step.to_dict(), "load": axis.value_at(level)}
                for step, level in zip(self.outcome.steps, self.outcome.levels, strict=True)
            ],
        }

    def _value(self, step: StepResult | None) -> float | int | None:
        """A step's load in the axis's units: stations (int), or the multiplier."""
        if step is None:
            return None
        value = self.axis.value_at(self.outcome.level_of(step))
        return int(value) if self.axis.vary == "stations" else value


def capacity_answer(
    outcome: SearchOutcome, slos: list[str], what: str, axis: LoadAxis = STATIONS
) -> CapacityAnswer:
    """``what``: the stations' kind (``workplace stations``, ``stations``)."""
    good, bad, stop = outcome.good, outcome.bad, outcome.inconclusive
    held = good.stations if good is not None else 0
    rate = good.messages_per_s if good is not None else 0.0
    described = axis.describe(outcome.level_of(good), what) if good is not None else f"0 {what}"
    load = f"{described} ({rate:,.0f} msg/s) at {', '.join(slos)}"
    finding: Finding
    if stop is not None:
        finding = "inconclusive"
        reasons = "; ".join(stop.generator.get("reasons", []))
        where = axis.describe(outcome.level_of(stop), what)
        line = (
            f"inconclusive: generator saturated at {where} ({reasons}); "
            f"it needs about {stop.workers_needed} worker processes "
            f"(--workers {stop.workers_needed}, or that many machines)"
        )
        line += f"; so far it holds {load}" if good is not None else ""
    elif bad is None:
        ceiling = "--max-rate" if axis.vary == "rate" else "--max-stations"
        finding, line = "at_least", f"holds at least {load} (no step failed up to {ceiling})"
    elif good is None:
        finding, line = (
            "below_start",
            f"holds fewer than {axis.describe(outcome.level_of(bad), what)}: even that breaks: {_why(bad)}",
        )
    else:
        finding, line = (
            "found",
            f"holds {load}; breaks at {axis.breakpoint(outcome.level_of(bad))}: {_why(bad)}",
        )
    first = _first_errors(outcome)
    if first is not None:
        line += f"; first errors '{first[1]['code']}' at {axis.breakpoint(first[0])}"
    return CapacityAnswer(finding, held, rate, line, outcome, axis)


def frames_used(deflate_share: float) -> str:
    """Which WebSocket frames the stations sent (it changes a CSMS's cost per message)."""
    if deflate_share <= 0.0:
        return "frames: plain (no permessage-deflate)"
    return f"frames: permessage-deflate offered by {deflate_share:.0%} of the stations"


def _why(step: StepResult) -> str:
    if step.failure:
        return step.failure
    return ", ".join(f"{verdict['slo']} failed ({verdict['detail']})" for verdict in step.failed_slos)


def _first_errors(outcome: SearchOutcome) -> tuple[int, dict[str, Any]] | None:
    """The lightest step with failed calls (its level, and its stations, multiplier and commonest
    error code)."""
    erring = [
        (level, step)
        for step, level in zip(outcome.steps, outcome.levels, strict=True)
        if step.errors_by_code
    ]
    if not erring:
        return None
    level, first = min(erring, key=lambda pair: pair[0])
    code = max(first.errors_by_code, key=lambda name: first.errors_by_code[name])
    return level, {
        "stations": first.stations,
        "rate_multiplier": first.rate_multiplier,
        "code": code,
        "count": first.errors_by_code[code],
    }
