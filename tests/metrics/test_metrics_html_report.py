"""The HTML report's structure, from a summary built with the real recorder and time series."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fleet.metrics import RunRecorder, TimeSeries, write_html_report


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.embedded: dict[str, str] = {}  # script id -> its text
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs).get("id") or ""

    def handle_data(self, data: str) -> None:
        if self._script:
            self.embedded[self._script] = self.embedded.get(self._script, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


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


def test_report_has_a_card_per_chart_its_data_embedded_and_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html_report(path, _summary())
    html = path.read_text(encoding="utf-8")
    page = _parse(html)
    cards = [attrs["data-chart"] for tag, attrs in page.tags if tag == "div" and "data-chart" in attrs]
    assert cards == [
        "latency-p99",
        "distribution",
        "latency-p50",
        "throughput",
        "failures",
        "stations",
        "lateness",
        "busy",
    ]
    data = json.loads(page.embedded["report-data"])
    charts = {chart["id"]: chart for chart in data["charts"]}
    assert list(charts["latency-p99"]["series"]) == ["Heartbeat", "TransactionEvent"]  # overlaid
    assert list(charts["failures"]["series"]) == [
        "all calls failed",
        "Heartbeat",
        "TransactionEvent",
        "other errors",
    ]
    assert charts["failures"]["series"]["TransactionEvent"][:3] == [1.0, 0.0, 1.0]
    assert data["x"]["time"] is False and data["x"]["values"][:3] == [0.0, 1.0, 2.0]
    assert list(data["distribution"]["series"]) == ["Heartbeat", "TransactionEvent"]
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
        '<td class="n">5</td><td class="n">31.0</td><td class="n">35.0</td>'
    ) in errors


def test_an_aborted_run_says_which_threshold_ended_it(tmp_path: Path) -> None:
    summary = _summary()
    summary["interrupted"] = True
    summary["aborted"] = {"slo": "errors == 0", "at_s": 12.0, "detail": "measured 3"}
    path = tmp_path / "r.html"
    write_html_report(path, summary)
    html = path.read_text()
    assert "aborted after 12 s (--abort-on-fail): SLO &#39;errors == 0&#39; lost (measured 3)" in html
    assert "interrupted before its planned end" not in html
