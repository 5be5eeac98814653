"""A real Prometheus server for tests: its config, its start, instant queries over its HTTP API, and
the shipped Grafana dashboards' queries with the dashboard variables made concrete.

Debian's ``prometheus`` and ``promtool`` (installed by .ci/run). Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import trio

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
NOT_INSTALLED = "Debian's prometheus package is not installed (.ci/run installs it)"
# Grafana's $__rate_interval, made concrete for 1 s scrapes: several samples per window
RATE_WINDOW = "10s"
HTTP_TIMEOUT_S = 5.0
# the dashboards' variables (job, instance, OCPP version, action) set to "All"
VARIABLES = {
    "$__rate_interval": RATE_WINDOW,
    "$ocpp_version": ".*",
    "$instance": ".*",
    "$action": ".*",
    "$job": ".*",
}


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def concrete(expr: str) -> str:
    """``expr`` with every dashboard variable replaced; AssertionError names one left over."""
    for variable, value in VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a Grafana variable the tests do not substitute: {expr}"
    return expr


def dashboard_queries(name: str = "fleet-grafana.json") -> list[tuple[str, str]]:
    """(panel title, PromQL) for every target of a shipped Grafana dashboard and its annotations,
    variables made concrete."""
    dashboard = json.loads((DASHBOARDS / name).read_text())
    queries = [
        (panel["title"], concrete(target["expr"]))
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    queries += [
        (f"annotation {item['name']}", concrete(item["expr"])) for item in annotation_queries(dashboard)
    ]
    return queries


def annotation_queries(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in dashboard["annotations"]["list"] if "expr" in item]


def write_config(tmp_path: Path, fleet_port: int) -> Path:
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files:\n  - {DASHBOARDS / 'fleet-rules.yml'}\n"
        "scrape_configs:\n  - job_name: ocpp-fleet\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{fleet_port}']\n"
    )
    return config


def prometheus_command(tmp_path: Path, fleet_port: int, web_port: int) -> list[str]:
    assert PROMETHEUS is not None
    return [
        PROMETHEUS,
        f"--config.file={write_config(tmp_path, fleet_port)}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{web_port}",
    ]


def _query(base_url: str, expr: str) -> list[dict[str, Any]]:
    url = f"{base_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


async def query(base_url: str, expr: str) -> list[dict[str, Any]]:
    """Instant query over the HTTP API; [] while Prometheus is still starting."""
    try:
        return await trio.to_thread.run_sync(_query, base_url, expr)
    except (ConnectionError, urllib.error.URLError):
        return []


def finite_values(result: list[dict[str, Any]]) -> list[float]:
    return [value for value in (float(item["value"][1]) for item in result) if math.isfinite(value)]
