"""The capacity answer's outputs: the knee report, the forecast's headroom, the plan's words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fleet.capacity import (
    ForecastPeak,
    Precision,
    SearchOutcome,
    Step,
    StepResult,
    capacity_answer,
    frames_used,
    headroom,
    parse_precision,
    parse_step,
)
from fleet.metrics import write_capacity_report


def _step(stations: int, verdict: Any, p99: float, codes: dict[str, int] | None = None) -> StepResult:
    failed = verdict == "bad"
    return StepResult(
        stations=stations,
        verdict=verdict,
        messages_per_s=stations * 0.25,
        latency_ms={"TransactionEvent": {"p50": p99 / 3, "p99": p99, "count": 100}},
        errors_by_code=codes or {},
        generator={"saturated": False, "reasons": [], "busy_fraction": {"max": 0.4}},
        slo=[{"slo": "p99(TransactionEvent) < 300ms", "passed": not failed, "detail": f"measured {p99:g}ms"}],
    )


def _outcome() -> SearchOutcome:
    steps = [
        _step(6_400, "good", 80),
        _step(12_800, "good", 200),
        _step(25_600, "bad", 1800, {"Timeout": 40}),
        _step(13_600, "bad", 1800),
        _step(13_100, "good", 290, {"Timeout": 2}),
        _step(12_400, "good", 250),
    ]
    return SearchOutcome(steps=steps, good=steps[4], bad=steps[3], levels=[step.stations for step in steps])


def test_the_one_line_answer_names_capacity_breakpoint_and_first_errors() -> None:
    answer = capacity_answer(_outcome(), ["p99(TransactionEvent) < 300ms"], "workplace stations")
    assert answer.line == (
        "holds 13,100 workplace stations (3,275 msg/s) at p99(TransactionEvent) < 300ms; breaks at 13,600: "
        "p99(TransactionEvent) < 300ms failed (measured 1800ms); first errors 'Timeout' at 13,100"
    )


def test_the_report_plots_the_knee_against_the_stations(tmp_path: Any) -> None:
    answer = capacity_answer(_outcome(), ["p99(TransactionEvent) < 300ms"], "stations")
    path = tmp_path / "capacity.html"
    write_capacity_report(path, answer.to_dict(["p99(TransactionEvent) < 300ms"]))
    page = path.read_text(encoding="utf-8")
    data = json.loads(page.split('id="report-data">', 1)[1].split("</script>", 1)[0])
    assert data["x"]["values"] == [6_400, 12_400, 12_800, 13_100, 13_600, 25_600]
    charts = {chart["id"]: chart for chart in data["charts"]}
    assert charts["latency-p99"]["series"]["TransactionEvent"] == [80, 250, 200, 290, 1800, 1800]
    assert charts["errors"]["series"]["Timeout"] == [0, 0, 0, 2, 0, 40]
    assert set(charts) == {
        "latency-p99",
        "latency-p50",
        "throughput",
        "errors",
        "generator-busy",
        "generator-lateness",
        "generator-cost",
    }
    assert charts["generator-busy"]["series"]["busy fraction (max)"] == [0.4] * 6
    assert data["bands"] == [[13_600.0, 25_600.0]]  # past the breakpoint, shaded
    assert "uPlot" in page and "breaks at 13,600" in page


def test_headroom_of_a_forecast_peak_hour() -> None:
    minutes = [60.0] * 120 + [120.0] * 60 + [30.0] * 60  # the busiest hour: 2 msg/s
    peak = ForecastPeak.of(
        {"config": {"stations": 500, "profile": "workplace"}, "series": {"messages_total": minutes}}
    )
    assert peak.peak_hour_messages_per_s == 2.0
    room = headroom(peak, stations=2_000, messages_per_s=8.0, profile="workplace")
    assert room["sentence"] == (
        "the forecast peak hour of 500 stations (2.0 msg/s) is 25 % of what the CSMS holds "
        "(25 % of its stations)"
    )
    assert headroom(peak, 2_000, 8.0, "depot")["percent_of_capacity_stations"] is None


def test_a_forecast_that_is_not_one_is_refused_naming_the_file(tmp_path: Any) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"stations": {}}')
    with pytest.raises(ValueError, match=r"^--forecast .*results.json: not a `fleet simulate --out` file"):
        ForecastPeak.read(str(path))


def test_step_and_precision_words() -> None:
    assert parse_step("x2") == Step(factor=2.0) and parse_step("+100") == Step(increment=100)
    assert parse_step("x1.5").after(10) == 15 and parse_step("250").after(10) == 260
    assert parse_precision("5%") == Precision(fraction=0.05) and parse_precision("50") == Precision(
        stations=50
    )
    for bad in ("x1", "x0.5", "-3", "two"):
        with pytest.raises(ValueError, match="expected a factor above 1"):
            parse_step(bad)
    with pytest.raises(ValueError, match="expected a share like 5%"):
        parse_precision("0%")


def test_the_answer_says_which_frames_the_stations_sent() -> None:
    """Issue 19 item 5: permessage-deflate changes a CSMS's cost per message; say which was used."""
    assert frames_used(0.0) == "frames: plain (no permessage-deflate)"
    assert frames_used(0.5) == "frames: permessage-deflate offered by 50% of the stations"
