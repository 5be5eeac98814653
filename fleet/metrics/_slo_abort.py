"""Abort on fail (k6's ``abortOnFail``): end a run as soon as one of its thresholds is lost.

Checked once a second against the run's live recorder. A threshold that can only get worse as the
run goes on is lost the moment it fails: a count (errors, dropped, reconnects, lost, ...) or ``max``
held under a bound (``<``, ``<=``, ``==``), ``min`` held over one. A statistical one (pNN, mean,
error_rate) may still recover, so it is lost when it fails at a check after the warm-up delay
(the first seconds are the ramp and the boot storm, and a percentile over a handful of calls).
``rate`` (messages per second of the whole run) is never judged early.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fleet.metrics._recorder import RunRecorder
from fleet.metrics._slo import SloResult, evaluate_slos
from fleet.metrics._slo_parse import Kind, Slo

DEFAULT_ABORT_DELAY_S = 10.0
_STATISTICAL = ("mean", "error_rate")
_UNDER_A_BOUND = ("<", "<=", "==")
_OVER_A_BOUND = (">", ">=", "==")


@dataclass(frozen=True, slots=True)
class AbortOnFail:
    """Which thresholds may end the run early, and after how long the statistical ones may."""

    slos: tuple[Slo, ...]
    delay_s: float = DEFAULT_ABORT_DELAY_S


@dataclass(frozen=True, slots=True)
class SloLost:
    """The threshold that ended the run, and when (seconds from the start)."""

    result: SloResult
    at_s: float

    def to_dict(self) -> dict[str, Any]:
        """``summary["aborted"]``."""
        return {"slo": self.result.slo.text, "at_s": round(self.at_s, 3), "detail": self.result.detail}

    def line(self) -> str:
        return (
            f"run aborted after {self.at_s:.1f} s: SLO {self.result.slo.text!r} lost ({self.result.detail})"
        )


def only_gets_worse(slo: Slo) -> bool:
    """A threshold that, once failed, fails for the rest of the run."""
    if slo.op in _UNDER_A_BOUND and (slo.kind is Kind.COUNT or slo.metric == "max"):
        return True
    return slo.op in _OVER_A_BOUND and slo.metric == "min"


def _statistical(slo: Slo) -> bool:
    return slo.percentile is not None or slo.metric in _STATISTICAL


class SloWatch:
    """Judges ``abort.slos`` against a live recorder; ``lost`` is the first threshold lost."""

    def __init__(self, abort: AbortOnFail) -> None:
        self._abort = abort
        self.lost: SloLost | None = None

    def check(self, recorder: RunRecorder, elapsed_s: float) -> SloLost | None:
        """The lost threshold, if one is lost by now (the first one found stays the verdict)."""
        if self.lost is not None:
            return self.lost
        judged = [
            slo
            for slo in self._abort.slos
            if only_gets_worse(slo) or (_statistical(slo) and elapsed_s >= self._abort.delay_s)
        ]
        if not judged:
            return None
        summary = recorder.summary(ocpp_version="", duration_s=elapsed_s, stations_configured=0)
        for result in evaluate_slos(judged, recorder, summary):
            if _lost(result):
                self.lost = SloLost(result, elapsed_s)
                return self.lost
        return None


def _lost(result: SloResult) -> bool:
    measured, slo = result.measured, result.slo
    if result.passed or measured is None:
        return False
    if not only_gets_worse(slo):
        return True  # a statistical threshold failing after the delay
    # "booted == 100" failing at 50 is not lost yet: a count only grows, min only shrinks
    return measured <= slo.threshold if slo.metric == "min" else measured >= slo.threshold
