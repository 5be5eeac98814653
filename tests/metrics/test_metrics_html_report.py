"""The HTML report's structure, from a summary built with the real recorder and time series."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fleet.metrics import RunRecorder, TimeSeries, write_html_report
from fleet.metrics._svg_chart import nice_ticks


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _summary(seconds: int = 10) -> dict[str, Any]:
    now = [0.0]
    recorder, series = RunRecorder(), TimeSeries(lambda: now[0])
    for listener in (recorder, series):
        listener.station_connected()
    for tick in range(seconds * 4):
        now[0] = tick / 4
        for listener in (recorder, series):
            listener.call_succeeded("Heartbeat", 0.002 + tick / 1000)
            if tick % 9 == 0:
                listener.call_failed("TransactionEvent", "InternalError", 0.050)
            listener.timer_fired(0.0005)
    recorder.error("connection_lost", "SIM-00000: connection lost <&>")
    summary = recorder.summary(
        ocpp_version="2.0.1",
        duration_s=float(seconds),
        stations_configured=1,
        extra={"timeseries": series.to_dict(), "seed": 1},
    )
    summary["slo"] = [
        {
            "slo": "p99(Heartbeat) < 300ms",
            "passed": True,
            "measured": 0.04,
            "threshold": 0.3,
            "detail": "41 ms",
        },
        {"slo": "error_rate < 0.1%", "passed": False, "measured": 0.1, "threshold": 0.001, "detail": "10 %"},
    ]
    return summary


def test_report_has_a_chart_per_view_with_data_and_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html_report(path, _summary())
    html = path.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    charts = [attrs["aria-label"] for tag, attrs in parser.tags if tag == "svg"]
    assert charts == [
        "Throughput",
        "Errors",
        "Stations and transactions",
        "Latency Heartbeat",
        "Latency TransactionEvent",
        "Generator timer lateness",
        "Generator busy fraction (max per interval)",
    ]
    paths = [attrs["d"] or "" for tag, attrs in parser.tags if tag == "path"]
    assert paths and all(re.fullmatch(r"M[\d.]+,[\d.]+( [ML][\d.]+,[\d.]+)*", d) for d in paths)
    assert "<h2>SLO thresholds</h2>" in html and "1 SLO threshold(s) violated" in html
    assert "p99 ms" in html and "Heartbeat" in html
    assert "&lt;&amp;&gt;" in html  # text from the run is escaped
    assert "Generator health" in html and "not saturated" in html


def test_report_of_a_run_that_could_not_happen_says_why(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html_report(path, {"failure": "cannot reach the CSMS: connection refused"})
    html = path.read_text(encoding="utf-8")
    assert "cannot reach the CSMS: connection refused" in html
    assert "No time series" in html


def test_ticks_are_round_and_cover_the_range() -> None:
    for low, high in ((0.0, 7.3), (0.0, 0.042), (0.0, 12_345.0), (3.0, 3.0)):
        ticks = nice_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) <= 1


def test_the_error_table_names_every_shortfall_and_when_and_where_each_error_was(tmp_path: Path) -> None:
    recorder = RunRecorder()
    for n in range(5):
        recorder.station_connected()
        recorder.call_failed("BootNotification", "Timeout", 30.0)
        recorder.error(
            "connection_lost", "connection lost (code 1001)", station_id=f"SIM-{n:05}", at_s=31.0 + n
        )
    recorder.generator_cost(0.1, 40.0, 5, 0, includes_csms=False)
    summary = recorder.summary(ocpp_version="2.0.1", duration_s=40.0, stations_configured=5)
    path = tmp_path / "report.html"

    write_html_report(path, summary)

    html = path.read_text(encoding="utf-8")
    errors = html[html.index("<h2>Errors</h2>") :]
    assert "<p>5 errors of 1 kind; 5 CALLs failed (Timeout 5); 5 of 5 stations never booted.</p>" in errors
    assert "<th>stations (e.g.)</th><th>count</th><th>first s</th><th>last s</th>" in errors
    assert (
        "<td>connection_lost</td><td>connection lost (code 1001)</td><td>SIM-00000, SIM-00001, SIM-00002</td>"
        "<td class='n'>5</td><td class='n'>31.0</td><td class='n'>35.0</td>"
    ) in errors
