"""What the HTML report embeds (issue 18 item 7): the percentile curve, the x axis in simulated
time, fault bands, run metadata (and its fallback for older results), the CSV, escaping."""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import re
from typing import Any

import pytest

from fleet.metrics import LatencyHistogram, RunRecorder, TimeSeries
from fleet.metrics._html_report import render_html_report
from fleet.metrics._percentile_curve import PERCENTILE_LADDER, percentile_curve
from fleet.metrics._report_charts import fault_bands, latency_distribution, x_axis
from fleet.metrics._report_csv import csv_data_uri, timeseries_csv
from fleet.metrics._report_metadata import run_facts

SIM_START = 1_796_371_200.0  # 2026-12-04T08:00:00Z


def _run(**changes: Any) -> dict[str, Any]:
    run: dict[str, Any] = {
        "tool": "ocpp-fleet",
        "version": "0.1.0",
        "python": "3.11.7",
        "host": "ci-7",
        "command": ["fleet", "run", "--password", "***", "--tag", "build=<b>42</b>"],
        "started_at": "2026-12-04T17:04:54Z",
        "ended_at": "2026-12-04T17:05:00Z",
        "started_at_epoch": 1_796_403_894.0,
        "sim_start": "2026-12-04T08:00:00Z",
        "sim_start_epoch": SIM_START,
        "speed": 60.0,
        "tags": {"build": "<b>42</b>", "branch": "main"},
        "config": {"csms_url": None, "stations": 6, "duration_s": 6.0, "ocpp": "2.0.1", "workers": 1},
    }
    run.update(changes)
    return run


def _series(seconds: int = 4) -> dict[str, Any]:
    now = [0.0]
    series = TimeSeries(lambda: now[0])
    for tick in range(seconds * 2):
        now[0] = tick / 2
        series.call_succeeded("Heartbeat", 0.001 * (tick + 1))
        series.call_failed("Authorize", "Timeout", 0.5)
    series.add_fault("outage", 1.0, 2.5, "proxy <down>")
    series.add_fault("stall", 3.0, None)
    return series.to_dict()


def _summary(run: dict[str, Any] | None) -> dict[str, Any]:
    recorder = RunRecorder()
    for n in range(100):
        recorder.call_succeeded("Heartbeat", 0.001 * (n + 1))
    extra: dict[str, Any] = {"timeseries": _series()}
    if run is not None:
        extra["run"] = run
    return recorder.summary(ocpp_version="2.0.1", duration_s=4.0, stations_configured=6, extra=extra)


def _embedded(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_percentile_ladder_halves_the_distance_to_100_up_to_99_999_then_the_max() -> None:
    assert PERCENTILE_LADDER[:6] == (0.0, 50.0, 75.0, 87.5, 93.75, 96.875)
    assert PERCENTILE_LADDER[-2:] == (99.999, 100.0)
    assert all(a < b for a, b in itertools.pairwise(PERCENTILE_LADDER))


def test_the_curve_is_read_from_the_exact_histogram() -> None:
    histogram = LatencyHistogram()
    histogram.record_many(n / 1000 for n in range(1, 1001))  # 1..1000 ms
    curve = dict((q, ms) for q, ms in percentile_curve(histogram))
    assert curve[0.0] == 1.0 and curve[100.0] == 1000.0
    assert curve[50.0] == pytest.approx(500, rel=0.01)
    assert curve[99.999] == 1000.0
    assert percentile_curve(LatencyHistogram()) == []


def test_the_summary_has_a_curve_per_action_and_one_of_every_call() -> None:
    recorder = RunRecorder()
    for n in range(1, 11):
        recorder.call_succeeded("Heartbeat", n / 1000)
    recorder.call_failed("Authorize", "Timeout", 2.0)  # failed calls count, as in an SLO
    summary = recorder.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=1)
    heartbeat = summary["actions"]["Heartbeat"]["latency_percentiles_ms"]
    assert [q for q, _ in heartbeat] == list(PERCENTILE_LADDER)
    assert heartbeat[0] == [0.0, 1.0] and heartbeat[-1] == [100.0, 10.0]
    assert summary["actions"]["Authorize"]["latency_percentiles_ms"][-1] == [100.0, 2000.0]
    assert summary["latency_percentiles_ms"][-1] == [100.0, 2000.0]
    assert summary["latency_percentiles_ms"][1] == [50.0, pytest.approx(6.0, rel=1 / 128)]  # rank 6 of 11


def test_the_distribution_puts_each_percentile_at_one_over_its_tail() -> None:
    curve = [[q, q / 10] for q in PERCENTILE_LADDER]
    distribution = latency_distribution({"Heartbeat": {"latency_percentiles_ms": curve}, "Reset": {}})
    assert distribution is not None
    assert list(distribution["series"]) == ["Heartbeat"]
    x = dict(zip(distribution["percentiles"], distribution["x"], strict=True))
    assert x[0.0] == 1.0 and x[50.0] == 2.0 and x[75.0] == 4.0
    assert x[99.999] == pytest.approx(100_000)
    assert x[100.0] == pytest.approx(1_000_000)  # the max, one decade past the last rung
    assert latency_distribution({}) is None


def test_the_x_axis_is_the_simulated_time_of_day_when_the_speed_is_not_1() -> None:
    series = _series()
    x = x_axis(series, _run())
    assert x["time"] is True
    assert x["values"][:3] == [SIM_START, SIM_START + 60.0, SIM_START + 120.0]
    assert fault_bands(series, x) == [
        [SIM_START + 60.0, SIM_START + 150.0, "outage: proxy <down>"],
        [SIM_START + 180.0, SIM_START + series["t_end"] * 60.0, "stall: "],
    ]
    real = x_axis(series, _run(speed=1.0))
    assert real["time"] is False and real["values"][:3] == [0.0, 1.0, 2.0]
    assert x_axis(series, None)["time"] is False  # older results: seconds since the start
    assert fault_bands(series, real)[0] == [1.0, 2.5, "outage: proxy <down>"]


def test_the_csv_has_a_row_per_interval_with_every_column_and_the_simulated_time() -> None:
    series = _series()
    x = x_axis(series, _run())
    text = timeseries_csv(series, x)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(series["t"]) == 4
    assert rows[1]["t_s"] == "1.0" and rows[1]["sim_time_utc"] == "2026-12-04T08:01:00Z"
    assert rows[0]["Authorize_failed_per_s"] == "2.0" and rows[0]["Heartbeat_calls_per_s"] == "2.0"
    assert rows[0]["Heartbeat_p99_ms"] == "2.0"
    assert {"messages_per_s", "connected", "timer_lateness_p99_ms", "Authorize_max_ms"} <= set(rows[0])
    uri = csv_data_uri(text)
    assert uri.startswith("data:text/csv;charset=utf-8;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode("utf-8") == text
    assert "sim_time_utc" not in timeseries_csv(series, x_axis(series, None))


def test_metadata_comes_from_the_run_section_or_from_the_older_top_level_keys() -> None:
    facts = run_facts({"run": _run(), "duration_s": 6.004})
    assert facts["command"] == "fleet run --password '***' --tag 'build=<b>42</b>'"
    assert ("version", "0.1.0") in facts["facts"] and ("speed", "60") in facts["facts"]
    assert ("simulated start", "2026-12-04T08:00:00Z") in facts["facts"]
    assert facts["tags"] == [("branch", "main"), ("build", "<b>42</b>")]
    assert ("csms_url", "-") in facts["config"] and ("stations", "6") in facts["config"]

    older = run_facts({"stations": {"configured": 5}, "duration_s": 9.5, "ocpp_version": "1.6", "seed": 3})
    assert older["command"] is None and older["tags"] == [] and older["config"] == []
    assert older["facts"] == [
        ("stations", "5"),
        ("measured duration", "9.5 s"),
        ("OCPP", "1.6"),
        ("seed", "3"),
    ]


def test_the_page_shows_the_metadata_first_and_escapes_everything_from_the_results() -> None:
    hostile = "</script><script>alert(1)</script>"
    summary = _summary(_run(tags={"build": hostile}, host=hostile))
    summary["errors"] = [{"kind": "connection_lost", "message": hostile, "stations": [hostile], "count": 1}]
    summary["timeseries"]["faults"][1]["detail"] = hostile  # embedded in the page's JSON
    html = render_html_report(summary)
    assert "alert(1)</script>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    assert html.index('id="run-metadata"') < html.index("<h2>Over time</h2>")
    data = _embedded(html)
    assert data["x"]["time"] is True and data["bands"][0][2] == "outage: proxy <down>"
    assert "\\u003c/script" in html  # the embedded JSON cannot end its <script> early
    assert 'href="data:text/csv;charset=utf-8;base64,' in html


def test_results_without_run_metadata_still_render_with_what_they_have() -> None:
    html = render_html_report(_summary(None))
    assert "<th>stations</th><td>6</td>" in html and "<th>OCPP</th><td>2.0.1</td>" in html
    assert _embedded(html)["x"]["label"] == "seconds since the start"
