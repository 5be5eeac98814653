"""The search's answer: one line for people, one dict for JSON (every step, the verdict)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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

    def to_dict(self, slos: list[str], headroom: dict[str, Any] | None = None) -> dict[str, Any]:
        bad, stop = self.outcome.bad, self.outcome.inconclusive
        return {
            "answer": self.line,
            "finding": self.finding,
            "capacity_stations": self.stations,
            "capacity_messages_per_s": self.messages_per_s,
            "breaks_at": bad.stations if bad is not None else None,
            "inconclusive_at": stop.stations if stop is not None else None,
            "first_errors": _first_errors(self.outcome.steps),
            "slos": slos,
            "forecast": headroom,
            "steps": [step.to_dict() for step in self.outcome.steps],
        }


def capacity_answer(outcome: SearchOutcome, slos: list[str], what: str) -> CapacityAnswer:
    """``what``: the stations' kind (``workplace stations``, ``stations``)."""
    good, bad, stop = outcome.good, outcome.bad, outcome.inconclusive
    held = good.stations if good is not None else 0
    rate = good.messages_per_s if good is not None else 0.0
    load = f"{held:,} {what} ({rate:,.0f} msg/s) at {', '.join(slos)}"
    finding: Finding
    if stop is not None:
        finding = "inconclusive"
        reasons = "; ".join(stop.generator.get("reasons", []))
        line = (
            f"inconclusive: generator saturated at {stop.stations:,} {what} ({reasons}); it needs about "
            f"{stop.workers_needed} worker processes (--workers {stop.workers_needed}, or that many machines)"
        )
        line += f"; so far it holds {load}" if good is not None else ""
    elif bad is None:
        finding, line = "at_least", f"holds at least {load} (no step failed up to --max-stations)"
    elif good is None:
        finding, line = (
            "below_start",
            f"holds fewer than {bad.stations:,} {what}: even that breaks: {_why(bad)}",
        )
    else:
        finding, line = "found", f"holds {load}; breaks at {bad.stations:,}: {_why(bad)}"
    first = _first_errors(outcome.steps)
    if first is not None:
        line += f"; first errors '{first['code']}' at {first['stations']:,}"
    return CapacityAnswer(finding, held, rate, line, outcome)


def frames_used(deflate_share: float) -> str:
    """Which WebSocket frames the stations sent (it changes a CSMS's cost per message)."""
    if deflate_share <= 0.0:
        return "frames: plain (no permessage-deflate)"
    return f"frames: permessage-deflate offered by {deflate_share:.0%} of the stations"


def _why(step: StepResult) -> str:
    if step.failure:
        return step.failure
    return ", ".join(f"{verdict['slo']} failed ({verdict['detail']})" for verdict in step.failed_slos)


def _first_errors(steps: list[StepResult]) -> dict[str, Any] | None:
    """The smallest step with failed calls, and its commonest error code."""
    erring = [step for step in steps if step.errors_by_code]
    if not erring:
        return None
    first = min(erring, key=lambda step: step.stations)
    code = max(first.errors_by_code, key=lambda name: first.errors_by_code[name])
    return {"stations": first.stations, "code": code, "count": first.errors_by_code[code]}
