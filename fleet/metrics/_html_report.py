"""`--report report.html`: one self-contained file (no CDN, no fonts, no network) with the run's
plots as inline SVG and its summary tables. A little inline JavaScript adds hover read-outs; the
plots and tables are complete without it."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from html import escape
from typing import Any

from fleet.metrics._resilience_text import OUTAGE_COLUMNS, loss_rows, outage_rows
from fleet.metrics._shortfalls import shortfalls
from fleet.metrics._svg_chart import line_chart as svg_line_chart

_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1600px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:6px 0} th,td{padding:3px 10px;border-bottom:1px solid #eee}
th{text-align:left;background:#f6f6f6} td.n{text-align:right;font-variant-numeric:tabular-nums}
.facts{color:#555} .charts{display:flex;flex-wrap:wrap;gap:12px}
.banner{padding:10px 14px;margin:12px 0;border-radius:4px;font-weight:600}
.bad{background:#fde2e1;color:#8a1010;border:1px solid #f5a3a0}
.good{background:#e3f6e5;color:#185c22;border:1px solid #9ed4a6}
.pass{color:#185c22;font-weight:600} .fail{color:#8a1010;font-weight:600}
svg.chart{background:#fff;border:1px solid #e4e4e4}
svg .title{font-size:13px;font-weight:600} svg .tick,svg .legend{font-size:11px;fill:#555}
svg .grid{stroke:#eee} svg .frame{stroke:#bbb} svg .empty{fill:#999}
svg .hover{stroke:#888;stroke-dasharray:3 3} svg .readout{font-size:11px}
svg .band{fill:#f5a623;fill-opacity:.18}
"""

# hover read-outs: the value of every series at the pointer's x (the charts render without this)
_SCRIPT = """
(function () {
  var NS = "http://www.w3.org/2000/svg";
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var xs = JSON.parse(svg.getAttribute("data-x") || "[]");
    var series = JSON.parse(svg.getAttribute("data-series") || "{}");
    var unit = svg.getAttribute("data-unit") || "";
    if (!xs.length) { return; }
    var line = document.createElementNS(NS, "line");
    line.setAttribute("class", "hover"); line.setAttribute("y1", "30"); line.setAttribute("y2", "214");
    var text = document.createElementNS(NS, "text");
    text.setAttribute("class", "readout"); text.setAttribute("y", "44");
    svg.addEventListener("mousemove", function (event) {
      var box = svg.getBoundingClientRect();
      var px = (event.clientX - box.left) * (svg.viewBox.baseVal.width / box.width);
      var frac = Math.min(1, Math.max(0, (px - 64) / (760 - 64 - 16)));
      var i = Math.round(frac * (xs.length - 1));
      var parts = ["t=" + xs[i] + " s"];
      Object.keys(series).forEach(function (name) {
        var v = series[name][i];
        parts.push(name + " " + (v === null || v === undefined ? "-" : v));
      });
      text.textContent = parts.join("  ") + " " + unit;
      line.setAttribute("x1", px); line.setAttribute("x2", px);
      text.setAttribute("x", Math.min(px + 6, 420));
      if (!line.parentNode) { svg.appendChild(line); svg.appendChild(text); }
    });
    svg.addEventListener("mouseleave", function () {
      if (line.parentNode) { svg.removeChild(line); svg.removeChild(text); }
    });
  });
})();
"""


def write_html_report(path: str | os.PathLike[str], summary: Mapping[str, Any]) -> None:
    """Write the report for ``summary`` (``RunRecorder.summary()`` plus what run_job adds:
    ``timeseries``, ``generator``, ``slo``, ``csms``) to ``path``, atomically."""
    document = render_html_report(summary)
    directory = os.path.dirname(os.path.abspath(path))
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed and renamed below
        "w",
        encoding="utf-8",
        dir=directory,
        prefix=f".{os.path.basename(path)}.",
        suffix=".tmp",
        delete=False,
    )
    try:
        with handle:
            handle.write(document)
        # a temporary file is private (0600); a report is meant to be shared like any file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def render_html_report(summary: Mapping[str, Any]) -> str:
    sections = [
        _header(summary),
        _slo_section(summary.get("slo")),
        _charts(summary.get("timeseries")),
        _faults_table(summary.get("faults")),
        _actions_table(summary.get("actions", {})),
        _requests_table(summary.get("csms_requests", {})),
        _transactions(summary),
        _outages_and_loss(summary),
        _generator_section(summary.get("generator")),
        _errors_table(summary),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>ocpp-fleet report</title><style>{_STYLE}</style></head><body>"
        + "".join(sections)
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )


def _header(summary: Mapping[str, Any]) -> str:
    stations = summary.get("stations", {})
    facts = [
        f"{stations.get('configured', 0)} stations ({stations.get('connected_peak', 0)} peak connected, "
        f"{stations.get('connected_at_end', 0)} at the end)",
        f"{summary.get('duration_s', 0):g} s",
        f"OCPP {summary.get('ocpp_version', '?')}",
    ]
    for key, label in (("csms_url", "CSMS"), ("profile", "profile"), ("seed", "seed"), ("speed", "speed")):
        if summary.get(key) is not None:
            facts.append(f"{label} {summary[key]}")
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    html = (
        f"<h1>ocpp-fleet run report</h1><p class='facts'>{escape(', '.join(facts))}; written {generated}</p>"
    )
    if summary.get("failure"):
        html += f"<div class='banner bad'>The run could not happen: {escape(str(summary['failure']))}</div>"
    if summary.get("interrupted"):
        html += "<div class='banner bad'>The run was interrupted before its planned end.</div>"
    generator = summary.get("generator")
    if generator and generator.get("saturated"):
        html += (
            "<div class='banner bad'>GENERATOR SATURATED: these latencies measure the load generator, not "
            f"only the CSMS ({escape('; '.join(generator.get('reasons', [])))}).</div>"
        )
    return html


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{_cell(cell)}</td>" if i >= numeric_from else f"<td>{_cell(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return escape(str(value))


def _slo_section(slo: Any) -> str:
    if not slo:
        return ""
    rows = []
    for verdict in slo if isinstance(slo, list) else [slo]:
        passed = verdict.get("passed")
        mark = "<span class='pass'>PASS</span>" if passed else "<span class='fail'>FAIL</span>"
        rows.append(
            f"<tr><td>{mark}</td><td>{escape(str(verdict.get('slo', '')))}</td>"
            f"<td>{escape(str(verdict.get('detail', '')))}</td></tr>"
        )
    failed = sum(1 for verdict in slo if not verdict.get("passed")) if isinstance(slo, list) else 0
    banner = (
        f"<div class='banner bad'>{failed} SLO threshold(s) violated</div>"
        if failed
        else "<div class='banner good'>every SLO threshold met</div>"
    )
    return (
        "<h2>SLO thresholds</h2>"
        + banner
        + "<table><thead><tr><th>verdict</th><th>threshold</th><th>measured</th></tr></thead>"
        + f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _charts(series: Mapping[str, Any] | None) -> str:
    if not series or not series.get("t"):
        return "<h2>Over time</h2><p>No time series in these results.</p>"
    t = series["t"]
    interval = series.get("interval_s", 1.0)
    line_chart = partial(svg_line_chart, bands=_fault_bands(series))  # faults shaded behind each chart
    charts = [
        line_chart(
            "Throughput",
            t,
            {"messages/s": series["messages_per_s"]},
            y_label="messages/s",
        ),
        line_chart(
            "Errors",
            t,
            {
                "call errors/s": series["call_errors_per_s"],
                "other errors/s": [round(n / interval, 3) for n in series.get("errors", [])],
            },
            y_label="per second",
        ),
        line_chart(
            "Stations and transactions",
            t,
            {"stations connected": series["connected"], "transactions active": series["transactions_active"]},
            y_label="count",
        ),
    ]
    for action, columns in sorted(series.get("latency_ms", {}).items()):
        charts.append(
            line_chart(
                f"Latency {action}",
                t,
                {"p50": columns["p50"], "p90": columns["p90"], "p99": columns["p99"]},
                y_label="ms",
            )
        )
    lateness = series.get("lateness_ms")
    if lateness:
        charts.append(
            line_chart(
                "Generator timer lateness", t, {"p50": lateness["p50"], "p99": lateness["p99"]}, y_label="ms"
            )
        )
    if "busy_fraction_max" in series:
        charts.append(
            line_chart(
                "Generator busy fraction (max per interval)",
                t,
                {"busy": series["busy_fraction_max"]},
                y_label="fraction",
            )
        )
    note = f"<p class='facts'>one point per {interval:g} s; latency measured from the intended send time</p>"
    return "<h2>Over time</h2>" + note + "<div class='charts'>" + "".join(charts) + "</div>"


def _fault_bands(series: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """The faults injected on purpose as chart bands (one lasting to the end runs to ``t_end``)."""
    end_of_run = float(series.get("t_end") or 0.0)
    return [
        (
            fault["start_s"],
            end_of_run if fault.get("end_s") is None else fault["end_s"],
            f"{fault['kind']}: {fault.get('detail', '')}",
        )
        for fault in series.get("faults") or []
    ]


def _faults_table(faults: Sequence[Mapping[str, Any]] | None) -> str:
    """The faults injected on purpose (--fault, --csms-fault): what, from when to when."""
    if not faults:
        return ""
    rows = [
        [
            f.get("kind", ""),
            f.get("detail", ""),
            _cell(f.get("start_s")),
            _cell("end" if f.get("end_s") is None else f["end_s"]),
        ]
        for f in faults
    ]
    note = "<p class='facts'>shaded in the charts above, so each effect shows next to its cause</p>"
    return (
        "<h2>Faults injected</h2>"
        + note
        + _table(("fault", "detail", "from s", "to s"), rows, numeric_from=2)
    )


def _actions_table(actions: Mapping[str, Mapping[str, Any]]) -> str:
    if not actions:
        return "<h2>Calls per action</h2><p>No calls were sent.</p>"
    rows = []
    for name, stats in sorted(actions.items()):
        latency = stats.get("latency_ms", {})
        rows.append(
            [
                name,
                stats.get("sent", 0),
                stats.get("ok", 0),
                stats.get("errors", 0),
                *(float(latency.get(key, 0.0)) for key in ("p50", "p90", "p99", "max")),
            ]
        )
    headers = ("action", "sent", "ok", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms")
    return "<h2>Calls per action</h2>" + _table(headers, rows)


def _requests_table(requests: Mapping[str, Mapping[str, Any]]) -> str:
    if not requests:
        return ""
    rows = [
        [name, stats.get("answered", 0), stats.get("errors", 0)] for name, stats in sorted(requests.items())
    ]
    return "<h2>CSMS requests answered</h2>" + _table(("action", "answered", "with error"), rows)


def _transactions(summary: Mapping[str, Any]) -> str:
    tx = summary.get("transactions", {})
    rows: list[list[Any]] = [
        ["started", tx.get("started", 0)],
        ["ended", tx.get("ended", 0)],
        ["energy kWh", float(tx.get("energy_kwh", 0.0))],
    ]
    csms = summary.get("csms")
    if isinstance(csms, Mapping):
        rows.extend(
            [f"CSMS ledger: {key}", value] for key, value in sorted(csms.items()) if _is_number(value)
        )
    return "<h2>Transactions</h2>" + _table(("", "value"), rows)


def _outages_and_loss(summary: Mapping[str, Any]) -> str:
    """Outage windows (fleet.metrics._outages) and the loss accounting against the CSMS ledger."""
    windows = outage_rows(summary.get("outages"))
    html = "<h2>Outages</h2>" + (_table(OUTAGE_COLUMNS, windows) if windows else "<p>No outage window.</p>")
    loss = loss_rows(summary.get("loss"))
    if loss:
        html += "<h2>Loss accounting (against the CSMS ledger)</h2>" + _table(("", "messages"), loss)
    return html


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _generator_section(generator: Mapping[str, Any] | None) -> str:
    if not generator:
        return ""
    late = generator.get("timer_lateness_ms", {})
    busy = generator.get("busy_fraction", {})
    lag = generator.get("loop_lag_ms", {})
    rows: list[list[Any]] = [
        ["timer lateness p50 ms", float(late.get("p50", 0.0))],
        ["timer lateness p99 ms", float(late.get("p99", 0.0))],
        ["timer lateness max ms", float(late.get("max", 0.0))],
        ["event-loop lag p99 ms", float(lag.get("p99", 0.0))],
        ["busy fraction mean", float(busy.get("mean", 0.0))],
        ["busy fraction max", float(busy.get("max", 0.0))],
        ["CALLs queued, max", generator.get("calls_waiting_max", 0)],
    ]
    cost = generator.get("cost") or {}
    shared = " (embedded CSMS included)" if cost.get("includes_embedded_csms") else ""
    for label, key in (
        ("CPU per message, µs", "cpu_us_per_message"),
        ("CPU per station-second, µs", "cpu_us_per_station_second"),
        ("RSS per station, KB", "rss_kb_per_station"),
    ):
        if cost.get(key) is not None:
            rows.append([label + shared, float(cost[key])])
    verdict = (
        "<div class='banner bad'>saturated: " + escape("; ".join(generator.get("reasons", []))) + "</div>"
        if generator.get("saturated")
        else "<div class='banner good'>the generator kept up (not saturated)</div>"
    )
    return "<h2>Generator health</h2>" + verdict + _table(("", "value"), rows)


def _errors_table(summary: Mapping[str, Any]) -> str:
    """Every shortfall named (as the printed summary's errors line), then the errors by kind and
    station-free message: count, first and last time, example stations."""
    html = "<h2>Errors</h2>"
    phrases = shortfalls(summary)
    html += f"<p>{escape('; '.join(phrases))}.</p>" if phrases else "<p>None.</p>"
    errors: Sequence[Mapping[str, Any]] = summary.get("errors", [])
    if errors:
        rows = [
            [
                e.get("kind", ""),
                e.get("message", ""),
                ", ".join(e.get("stations", [])),
                e.get("count", 0),
                _seconds(e.get("first_s")),
                _seconds(e.get("last_s")),
            ]
            for e in errors
        ]
        headers = ("kind", "message", "stations (e.g.)", "count", "first s", "last s")
        html += _table(headers, rows, numeric_from=3)
    dropped: Sequence[Mapping[str, Any]] = summary.get("messages_dropped", [])
    if dropped:
        rows = [[d.get("action", ""), d.get("reason", ""), d.get("count", 0)] for d in dropped]
        html += "<h2>Messages dropped</h2>" + _table(("action", "reason", "count"), rows, numeric_from=2)
    return html


def _seconds(value: Any) -> str:
    """Seconds since the run started, one decimal ("" when not known)."""
    return f"{value:.1f}" if _is_number(value) else ""
