"""`fleet simulate --seeds N`: the same fleet forecast with N seeds, and the spread (p5, p50, p95)
of the peaks a planner sizes for: peak kW, peak messages/s (all and per action), peak occupied
EVSEs, peak concurrent transactions, drivers turned away, energy. Percentiles interpolate
linearly between the sorted values (numpy's default), so p5 <= p50 <= p95 always holds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fleet.simulation._forecast import Forecast

_PERCENTILES = (5.0, 50.0, 95.0)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of ``values``, linear between order statistics."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _spread(values: list[float]) -> dict[str, Any]:
    spread: dict[str, Any] = {f"p{q:g}": round(percentile(values, q), 3) for q in _PERCENTILES}
    spread["values"] = values
    return spread


def planner_peaks(forecast: Forecast) -> dict[str, float]:
    """The figures of one forecast that the spread is taken over (flat names)."""
    summary = forecast.summary
    peaks: dict[str, float] = {
        "messages_per_second": summary["messages_per_second"]["peak"],
        "concurrent_transactions": summary["peak_concurrent_transactions"],
        "energy_kwh": summary["energy_kwh"],
    }
    for action, rates in summary["messages_per_second_by_action"].items():
        peaks[f"messages_per_second.{action}"] = rates["peak"]
    sites = summary.get("sites")
    if sites is not None:
        every = sites["all"]
        peaks["load_kw"] = every["load_kw"]["peak"]
        peaks["occupied_evses"] = every["occupancy"]["peak_occupied_evses"]
        peaks["turned_away"] = every["drivers"]["turned_away"]
        for site, block in sites["by_site_type"].items():
            peaks[f"load_kw.{site}"] = block["load_kw"]["peak"]
    return peaks


def seed_spread(seeds: Sequence[int], each: Sequence[dict[str, float]]) -> dict[str, Any]:
    """The spread of every planner peak (``planner_peaks`` of each seed's forecast) over ``seeds``
    (a figure missing from one forecast, such as an action that never happened, counts 0 there)."""
    names = sorted({name for peaks in each for name in peaks})
    return {
        "seeds": list(seeds),
        "peaks": {name: _spread([peaks.get(name, 0) for peaks in each]) for name in names},
    }
