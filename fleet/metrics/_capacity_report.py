"""`fleet capacity --report`: the knee, one self-contained page. The run report's assets (uPlot,
its script and styles, the Jinja2 environment) with its own template,
``report_assets/capacity.html.j2``: every chart's x axis is the load of a step (its stations, or
its arrival-rate multiplier with `--vary rate`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fleet.metrics._html_report import _assets, _environment

_VERDICT_WORDS = {"good": "PASS", "bad": "FAIL", "inconclusive": "INCONCLUSIVE (generator saturated)"}


def write_capacity_report(path: str | os.PathLike[str], result: Mapping[str, Any]) -> None:
    """Write the page for a `fleet capacity` result (``CapacityAnswer.to_dict``) to ``path``."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render_capacity_report(result))


def render_capacity_report(result: Mapping[str, Any]) -> str:
    steps = sorted(result.get("steps", []), key=_load)
    loads = [_load(step) for step in steps]
    charts = capacity_charts(steps)
    bands = _failing_band(result, loads)
    context = {
        "assets": _assets(),
        "answer": result.get("answer", ""),
        "finding": result.get("finding", ""),
        "forecast": (result.get("forecast") or {}).get("sentence"),
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "steps": [_row(step) for step in steps],
        "by_rate": result.get("vary") == "rate",
        "cards": [{"id": chart["id"], "title": chart["title"]} for chart in charts],
        "data": {
            "x": {
                "time": False,
                "values": loads,
                "label": str(result.get("axis_label", "stations")),
                "offset": 0.0,
                "scale": 1.0,
            },
            "bands": bands,
            "charts": charts,
            "distribution": None,
            "actions": sorted({action for step in steps for action in step.get("latency_ms", {})}),
        },
    }
    return _environment().get_template("capacity.html.j2").render(context) + "\n"


def capacity_charts(steps: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Latency percentiles, throughput, errors and generator health against the stations."""
    actions = sorted({action for step in steps for action in step.get("latency_ms", {})})
    codes = sorted({code for step in steps for code in step.get("errors_by_code", {})})

    def latency(q: str) -> dict[str, list[float | None]]:
        return {a: [step.get("latency_ms", {}).get(a, {}).get(q) for step in steps] for a in actions}

    def generator(*keys: str) -> list[Any]:
        values = []
        for step in steps:
            value: Any = step.get("generator") or {}
            for key in keys:
                value = value.get(key) if isinstance(value, Mapping) else None
            values.append(value)
        return values

    return [
        _chart("latency-p99", "Latency p99 per action vs load", "ms", latency("p99")),
        _chart("latency-p50", "Latency p50 per action vs load", "ms", latency("p50")),
        _chart(
            "throughput",
            "Throughput vs load",
            "msg/s",
            {"messages sent": [s["messages_per_s"] for s in steps]},
        ),
        _chart(
            "errors",
            "Failed calls by error code vs load",
            "calls",
            {code: [step.get("errors_by_code", {}).get(code, 0) for step in steps] for code in codes},
        ),
        _chart(
            "generator-busy",
            "Generator: busy fraction (max) vs load",
            "share",
            {
                "busy fraction (max)": generator("busy_fraction", "max"),
            },
        ),
        _chart(
            "generator-lateness",
            "Generator: timer lateness p99 vs load",
            "ms",
            {
                "timer lateness p99": generator("timer_lateness_ms", "p99"),
            },
        ),
        _chart(
            "generator-cost",
            "Generator: CPU per message vs load",
            "us",
            {
                "CPU per message": generator("cost", "cpu_us_per_message"),
            },
        ),
    ]


def _chart(chart_id: str, title: str, unit: str, series: Mapping[str, list[Any]]) -> dict[str, Any]:
    return {"id": chart_id, "title": title, "unit": unit, "series": dict(series)}


def _load(step: Mapping[str, Any]) -> int | float:
    """A step's place on the x axis: its ``load`` (stations or multiplier), its stations before."""
    load = step.get("load", step["stations"])
    return int(load) if float(load).is_integer() else float(load)


def _failing_band(result: Mapping[str, Any], loads: list[int | float]) -> list[list[float]]:
    """Shade the load from the breakpoint (or where the generator saturated) to the last step."""
    start = result.get("breaks_at") or result.get("inconclusive_at")
    return [[float(start), float(max(loads))]] if start and loads else []


def _row(step: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "stations": f"{int(step['stations']):,}",
        "multiplier": f"x{float(step.get('rate_multiplier', 1.0)):g}",
        "rate": f"{float(step['messages_per_s']):,.1f}",
        "verdict": _VERDICT_WORDS.get(str(step["verdict"]), str(step["verdict"])),
        "good": step["verdict"] == "good",
        "failed": ", ".join(step.get("slo_failed", [])) or step.get("failure") or "",
        "errors": ", ".join(f"{code} {n:,}" for code, n in step.get("errors_by_code", {}).items()),
        "reasons": "; ".join((step.get("generator") or {}).get("reasons", [])),
    }
