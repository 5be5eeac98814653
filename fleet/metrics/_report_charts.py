"""The data behind the HTML report's charts, as plain JSON the page embeds and plots.

Every chart shares one x axis: seconds since the run started, or the simulated time of day
(epoch seconds, UTC) when the run went at ``--speed`` other than 1 and its ``run`` metadata says
when the simulated clock started. The latency distribution has its own x axis: ``1/(1 - q)``
for each percentile q of the ladder (``fleet.metrics._percentile_curve``), 100 % drawn one decade
past the last rung.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

Column = Sequence[float | None]


def x_axis(series: Mapping[str, Any], run: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"time", "values", "label", "offset", "scale"}`` (x = offset + t * scale): simulated
    epoch seconds when the run's clock went at another speed than real time, seconds since the
    start otherwise."""
    t = [float(value) for value in series.get("t", [])]
    speed = _number((run or {}).get("speed"))
    sim_start = _number((run or {}).get("sim_start_epoch"))
    if speed is not None and sim_start is not None and speed != 1.0:
        return {
            "time": True,
            "values": [round(sim_start + value * speed, 3) for value in t],
            "label": f"simulated time of day (UTC), speed {speed:g}x",
            "offset": sim_start,
            "scale": speed,
        }
    return {"time": False, "values": t, "label": "seconds since the start", "offset": 0.0, "scale": 1.0}


def without_final_sliver(series: Mapping[str, Any]) -> Mapping[str, Any]:
    """The series without its last point when that covers under half an interval: the run's last
    milliseconds, where a rate is noise (one message in 8 ms plots as 128 per second)."""
    t = series.get("t") or []
    interval = float(series.get("interval_s", 1.0))
    if len(t) < 2 or float(series.get("t_end") or 0.0) - float(t[-1]) >= interval / 2:
        return series
    points = len(t)

    def cut(value: Any) -> Any:
        if isinstance(value, list) and len(value) == points:
            return value[:-1]
        if isinstance(value, Mapping):
            return {key: cut(item) for key, item in value.items()}
        return value

    trimmed = {key: value if key in _WHOLE else cut(value) for key, value in series.items()}
    trimmed["t_end"] = float(t[-1])
    return trimmed


_WHOLE = frozenset({"faults", "histograms", "outages"})  # not columns of points


def fault_bands(series: Mapping[str, Any], x: Mapping[str, Any]) -> list[Any]:
    """The faults injected on purpose as ``[from, to, label]`` on the charts' x axis (one that
    lasts to the end runs to ``t_end``)."""
    end_of_run = float(series.get("t_end") or 0.0)
    scale, offset = float(x["scale"]), float(x["offset"])
    bands = []
    for fault in series.get("faults") or []:
        end = end_of_run if fault.get("end_s") is None else fault["end_s"]
        label = f"{fault.get('kind', '')}: {fault.get('detail', '')}"
        bands.append([offset + fault["start_s"] * scale, offset + end * scale, label])
    return bands


def timeline_charts(series: Mapping[str, Any], speed: float = 1.0) -> list[dict[str, Any]]:
    """The charts over time: ``{"id", "title", "unit", "series": {name: column}}`` each (power
    on the simulated clock, which runs ``speed`` times faster than the real one)."""
    interval = float(series.get("interval_s", 1.0))
    latency = series.get("latency_ms", {})
    per_action = series.get("actions_per_s", {})
    other_errors = [round(n / interval, 3) for n in series.get("errors", [])]
    charts = [
        _chart("latency-p99", "Latency p99 per action", "ms", _pick(latency, "p99")),
        _chart("latency-p50", "Latency p50 per action", "ms", _pick(latency, "p50")),
        _chart(
            "throughput",
            "Throughput: calls completed per action",
            "per second",
            {"all messages sent": series.get("messages_per_s", []), **_pick(per_action, "calls")},
        ),
        _chart(
            "failures",
            "Failures: calls failed per action, other errors",
            "per second",
            {
                "all calls failed": series.get("call_errors_per_s", []),
                **_pick(per_action, "failed"),
                "other errors": other_errors,
            },
        ),
        _chart(
            "stations",
            "Stations and transactions",
            "count",
            {
                "stations connected": series.get("connected", []),
                "transactions active": series.get("transactions_active", []),
            },
        ),
    ]
    power = power_kw(series, speed)
    if power is not None:
        charts.append(
            _chart("power", "Power delivered (metered by the stations)", "kW", {"all stations": power})
        )
    lateness = series.get("lateness_ms")
    if lateness:
        charts.append(
            _chart(
                "lateness", "Generator timer lateness", "ms", {"p50": lateness["p50"], "p99": lateness["p99"]}
            )
        )
    if "busy_fraction_max" in series:
        busy = {"busy (max per interval)": series["busy_fraction_max"]}
        charts.append(_chart("busy", "Generator busy fraction", "fraction", busy))
    return charts


def power_kw(series: Mapping[str, Any], speed: float) -> list[float] | None:
    """The fleet's mean metered power per interval, kW of simulated time (None: no energy was
    metered, or the series predates the energy column)."""
    energy = series.get("energy_wh")
    if not energy or not any(energy):
        return None
    interval = float(series.get("interval_s", 1.0))
    starts = [float(t) for t in series.get("t", [])] or [i * interval for i in range(len(energy))]
    end = float(series.get("t_end") or starts[-1] + interval)
    covered = [max(min(interval, end - t), 1e-9) for t in starts]
    return [
        round(wh / (seconds * speed / 3600.0) / 1000.0, 3)
        for wh, seconds in zip(energy, covered, strict=True)
    ]


def latency_distribution(actions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """Each action's percentile curve on the ``1/(1 - q)`` axis; None when no action has one."""
    curves = {
        name: stats["latency_percentiles_ms"]
        for name, stats in sorted(actions.items())
        if stats.get("latency_percentiles_ms")
    }
    if not curves:
        return None
    ladder = [q for q, _ in next(iter(curves.values()))]
    return {
        "x": [_inverse_tail(q, ladder) for q in ladder],
        "percentiles": ladder,
        "series": {name: [ms for _, ms in curve] for name, curve in curves.items()},
    }


def _inverse_tail(q: float, ladder: Sequence[float]) -> float:
    """``1/(1 - q)``; 100 % (the max) one decade past the last rung below it."""
    if q < 100.0:
        return 1.0 / (1.0 - q / 100.0)
    below = max((rung for rung in ladder if rung < 100.0), default=0.0)
    return 10.0 / (1.0 - below / 100.0)


def _pick(columns: Mapping[str, Mapping[str, Column]], key: str) -> dict[str, Column]:
    return {name: column[key] for name, column in sorted(columns.items()) if key in column}


def _chart(chart_id: str, title: str, unit: str, series: Mapping[str, Column]) -> dict[str, Any]:
    return {"id": chart_id, "title": title, "unit": unit, "series": dict(series)}


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
