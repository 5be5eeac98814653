"""One step of the search: N stations run, judged on the window after the warm-up. Its verdict is
``good`` (every SLO met), ``bad`` (one failed, or the run could not happen) or ``inconclusive``
(the generator was saturated: it measured the generator, not the CSMS)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fleet.capacity._window import WindowMeasurements
from fleet.metrics import Slo, evaluate_slos

Verdict = Literal["good", "bad", "inconclusive"]
# a process busier than this is not a generator one would trust: size the fleet to stay below it
_BUSY_TARGET = 0.7


@dataclass(frozen=True, slots=True)
class StepResult:
    stations: int
    verdict: Verdict
    messages_per_s: float
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # action -> p50, p99
    errors_by_code: dict[str, int] = field(default_factory=dict)
    generator: dict[str, Any] = field(default_factory=dict)
    slo: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None  # the run could not happen (the CSMS unreachable)
    workers_needed: int | None = None  # inconclusive: processes the generator would need
    rate_multiplier: float = 1.0  # the profile's arrival rate times this (`--vary rate`)

    @property
    def failed_slos(self) -> list[dict[str, Any]]:
        return [verdict for verdict in self.slo if not verdict["passed"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stations": self.stations,
            "verdict": self.verdict,
            "messages_per_s": self.messages_per_s,
            "latency_ms": self.latency_ms,
            "errors_by_code": self.errors_by_code,
            "generator": self.generator,
            "slo": self.slo,
            "slo_failed": [verdict["slo"] for verdict in self.failed_slos],
            "failure": self.failure,
            "workers_needed": self.workers_needed,
            "rate_multiplier": self.rate_multiplier,
        }


def judge_step(
    stations: int, summary: Mapping[str, Any], slos: list[Slo], window_start_s: float, workers: int
) -> StepResult:
    """The step's verdict from its run's summary: SLOs on the window from ``window_start_s``."""
    window = WindowMeasurements(summary.get("timeseries", {}), window_start_s)
    # latencies, error rate and rate on the window; run totals (reconnects, lost...) on the whole step
    results = evaluate_slos(slos, window, {**summary, **window.totals()})
    rate = window.messages / window.duration_s if window.duration_s > 0 else 0.0
    generator = dict(summary.get("generator") or {})
    saturated = bool(generator.get("saturated"))
    verdict: Verdict = "inconclusive" if saturated else "good" if all(r.passed for r in results) else "bad"
    return StepResult(
        stations=stations,
        verdict=verdict,
        messages_per_s=round(rate, 3),
        latency_ms=_percentiles(window),
        errors_by_code=_errors_by_code(summary),
        generator=generator,
        slo=[result.to_dict() for result in results],
        workers_needed=workers_needed(generator, rate, workers) if saturated else None,
    )


def failed_step(stations: int, failure: str) -> StepResult:
    return StepResult(stations=stations, verdict="bad", messages_per_s=0.0, failure=failure)


def too_many_for_the_generator(stations: int, reason: str, workers: int) -> StepResult:
    """A step this process cannot even open (too many sockets for its file limit): inconclusive."""
    generator = {"saturated": True, "reasons": [reason]}
    return StepResult(stations, "inconclusive", 0.0, generator=generator, workers_needed=workers + 1)


def workers_needed(generator: Mapping[str, Any], messages_per_s: float, workers: int) -> int:
    """Processes the generator needs for this load: CPU per message times the rate, at most
    ``_BUSY_TARGET`` busy each; from the busy fraction when the CPU cost is unknown."""
    cost = (generator.get("cost") or {}).get("cpu_us_per_message")
    if cost and messages_per_s > 0:
        cores = float(cost) * 1e-6 * messages_per_s
    else:
        cores = workers * float((generator.get("busy_fraction") or {}).get("max", 1.0))
    return max(workers + 1, math.ceil(cores / _BUSY_TARGET))


def _percentiles(window: WindowMeasurements) -> dict[str, dict[str, float]]:
    table = {}
    for action in window.actions():
        histogram = window.latency(action)
        table[action] = {
            "p50": round(histogram.percentile(50) * 1e3, 3),
            "p99": round(histogram.percentile(99) * 1e3, 3),
            "count": histogram.count,
        }
    return table


def _errors_by_code(summary: Mapping[str, Any]) -> dict[str, int]:
    """Failed calls by error code over the whole step (all actions)."""
    codes: dict[str, int] = {}
    for stats in (summary.get("actions") or {}).values():
        for code, count in (stats.get("errors_by_code") or {}).items():
            codes[code] = codes.get(code, 0) + int(count)
    return dict(sorted(codes.items()))
