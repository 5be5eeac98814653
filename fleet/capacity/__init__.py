"""`fleet capacity`'s search: step the load up, bisect to the breakpoint, judge each step on the
window after its warm-up, never blame the CSMS for a saturated generator (README "Capacity
planning")."""

from fleet.capacity._answer import CapacityAnswer, capacity_answer, frames_used
from fleet.capacity._axis import LoadAxis
from fleet.capacity._forecast import ForecastPeak, headroom
from fleet.capacity._plan import CapacityPlan, Precision, Step, parse_precision, parse_step
from fleet.capacity._runner import StepRunner
from fleet.capacity._search import SearchOutcome, search_capacity
from fleet.capacity._step import StepResult, judge_step, workers_needed
from fleet.capacity._window import WindowMeasurements

__all__ = [
    "CapacityAnswer",
    "CapacityPlan",
    "ForecastPeak",
    "LoadAxis",
    "Precision",
    "SearchOutcome",
    "Step",
    "StepResult",
    "StepRunner",
    "WindowMeasurements",
    "capacity_answer",
    "frames_used",
    "headroom",
    "judge_step",
    "parse_precision",
    "parse_step",
    "search_capacity",
    "workers_needed",
]
