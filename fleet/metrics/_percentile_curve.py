"""The latency distribution as HdrHistogram plots it: latency at each rung of a percentile ladder
that halves the distance to 100 % at every step (0, 50, 75, 87.5, 93.75, ... 99.999, then 100).

On a "1/(1 - q)" axis the rungs sit evenly spaced, so the tail gets as much room as the median.
Each curve is read from the exact histogram (``LatencyHistogram.percentiles``), never from
averaged percentiles; it covers the calls that succeeded and failed together, as an SLO does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fleet.metrics._histogram import LatencyHistogram

_TAIL = 99.999  # the last rung before 100 (the max)


def _ladder() -> tuple[float, ...]:
    rungs = [0.0]
    distance = 50.0
    while 100.0 - distance < _TAIL:
        rungs.append(100.0 - distance)
        distance /= 2
    return (*rungs, _TAIL, 100.0)


PERCENTILE_LADDER = _ladder()


def percentile_curve(histogram: LatencyHistogram) -> list[list[float]]:
    """``[[percentile, ms], ...]`` over ``PERCENTILE_LADDER`` (ms rounded to 0.001; 0 % is the
    min, 100 % the max, exactly); empty when the histogram is."""
    if histogram.count == 0:
        return []
    values = histogram.percentiles(PERCENTILE_LADDER)
    values[0] = histogram.min  # 0 %: the smallest value itself, as 100 % is the largest
    return [[q, round(seconds * 1000.0, 3)] for q, seconds in zip(PERCENTILE_LADDER, values, strict=True)]


def add_percentile_curves(summary: dict[str, Any], histograms: Mapping[str, LatencyHistogram]) -> None:
    """Put each action's curve under ``summary["actions"][action]["latency_percentiles_ms"]`` and
    the curve of every call together under ``summary["latency_percentiles_ms"]``."""
    every_call = LatencyHistogram()
    for action, histogram in histograms.items():
        summary["actions"][action]["latency_percentiles_ms"] = percentile_curve(histogram)
        every_call.merge(histogram)
    summary["latency_percentiles_ms"] = percentile_curve(every_call)
