"""`--report report.html`: one self-contained file (no CDN, no fonts, no network).

The page is a Jinja2 template (``report_assets/report.html.j2``, autoescaped: station ids, error
messages and tags from the results are text, never markup). The charts are drawn in the browser
by uPlot (MIT, vendored under ``report_assets/`` with its licence) from JSON the page embeds;
the library, the page's script and its styles are inlined, so the file works offline.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a report is written: a generator process never needs it
    import jinja2

from fleet.metrics._report_charts import (
    fault_bands,
    latency_distribution,
    timeline_charts,
    without_final_sliver,
    x_axis,
)
from fleet.metrics._report_csv import csv_data_uri, timeseries_csv
from fleet.metrics._report_metadata import run_facts
from fleet.metrics._report_tables import cell, table_sections

_ASSETS = "report_assets"
_WIDE_SECTIONS = ("Calls per action", "Errors", "Outages", "Faults injected")


def write_html_report(path: str | os.PathLike[str], summary: Mapping[str, Any]) -> None:
    """Write the report for ``summary`` (``RunRecorder.summary()`` plus what run_job adds:
    ``run``, ``timeseries``, ``generator``, ``slo``, ``csms``) to ``path``, atomically."""
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
    slo = summary.get("slo")
    verdicts = slo if isinstance(slo, list) else [slo] if slo else []
    context = {
        "assets": _assets(),
        "headline": _headline(summary),
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "meta": run_facts(summary),
        "banners": _banners(summary),
        "slo": verdicts,
        "slo_failed": sum(1 for verdict in verdicts if not verdict.get("passed")),
        "sections": table_sections(summary),
        "wide_sections": _WIDE_SECTIONS,
        **_timeline(summary),
    }
    return _environment().get_template("report.html.j2").render(context) + "\n"


def _timeline(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The charts' data (embedded as JSON), their cards in page order, and the CSV link."""
    series = summary.get("timeseries")
    if not isinstance(series, Mapping) or not series.get("t"):
        return {"cards": [], "data": {}}
    series = without_final_sliver(series)
    run = summary.get("run") if isinstance(summary.get("run"), Mapping) else None
    x = x_axis(series, run)
    charts = timeline_charts(series, speed=float(summary.get("speed") or 1.0))
    distribution = latency_distribution(summary.get("actions", {}))
    cards = [{"id": chart["id"], "title": chart["title"]} for chart in charts]
    if distribution is not None:
        title = "Latency distribution per action (percentile curve, all calls of the run)"
        cards.insert(1, {"id": "distribution", "title": title})
    bands = fault_bands(series, x)
    return {
        "cards": cards,
        "data": {
            "x": x,
            "bands": bands,
            "charts": charts,
            "distribution": distribution,
            "actions": sorted(series.get("latency_ms", {})),  # each keeps one colour
        },
        "bands": bands,
        "interval": f"{float(series.get('interval_s', 1.0)):g}",
        "x_label": x["label"],
        "csv_uri": csv_data_uri(timeseries_csv(series, x)),
    }


def _headline(summary: Mapping[str, Any]) -> str:
    stations = summary.get("stations", {})
    return (
        f"{stations.get('configured', 0)} stations ({stations.get('connected_peak', 0)} peak connected, "
        f"{stations.get('connected_at_end', 0)} at the end), {summary.get('duration_s', 0):g} s, "
        f"OCPP {summary.get('ocpp_version', '?')}"
    )


def _banners(summary: Mapping[str, Any]) -> Sequence[tuple[str, str]]:
    banners = []
    if summary.get("failure"):
        banners.append(("bad", f"The run could not happen: {summary['failure']}"))
    aborted = summary.get("aborted")
    if aborted:
        banners.append(
            (
                "bad",
                f"The run was aborted after {aborted['at_s']:g} s (--abort-on-fail): "
                f"SLO '{aborted['slo']}' lost ({aborted['detail']}).",
            )
        )
    elif summary.get("interrupted"):
        banners.append(("bad", "The run was interrupted before its planned end."))
    generator = summary.get("generator")
    if generator and generator.get("saturated"):
        reasons = "; ".join(generator.get("reasons", []))
        banners.append(
            (
                "bad",
                "GENERATOR SATURATED: these latencies measure the load generator, not only the CSMS "
                f"({reasons}).",
            )
        )
    return banners


@cache
def _environment() -> jinja2.Environment:
    import jinja2  # here, not at the top: a generator process never writes a report

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("fleet.metrics", _ASSETS),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["cell"] = cell
    environment.policies["json.dumps_kwargs"] = {"sort_keys": False}  # series in legend order
    return environment


@cache
def _assets() -> dict[str, str]:
    """The files the page inlines: uPlot (with its licence), the page's script and styles."""
    folder = resources.files("fleet.metrics").joinpath(_ASSETS)

    def read(name: str) -> str:
        return folder.joinpath(name).read_text(encoding="utf-8")

    uplot_js = read("uPlot.iife.min.js")
    return {
        "uplot_js": uplot_js,
        "uplot_css": read("uPlot.min.css"),
        "uplot_version": uplot_js.split("(v", 1)[1].split(")", 1)[0] if "(v" in uplot_js else "",
        "uplot_license": read("uPlot.LICENSE"),
        "report_js": read("report.js"),
        "report_css": read("report.css"),
    }
