"""A real Prometheus server scrapes a short fleet run; its HTTP API answers the dashboard's queries.

Debian's ``prometheus`` and ``promtool`` (installed by .ci/run). Everything listens on 127.0.0.1.
Real time, necessarily: the test polls Prometheus's API with a bounded deadline, then stops both.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import socket
import subprocess
import urllib.parse
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, JobResult, RunJob, run_job

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
# Grafana's $__rate_interval, made concrete for 1 s scrapes: several samples per window
RATE_WINDOW = "10s"
DATA_DEADLINE_S = 30.0
HTTP_TIMEOUT_S = 5.0
NOT_INSTALLED = "Debian's prometheus package is not installed (.ci/run installs it)"

KEY_QUERIES = {
    "request rate": f"sum by (action) (rate(ocpp_fleet_ocpp_messages_total[{RATE_WINDOW}]))",
    "TransactionEvent p99": "histogram_quantile(0.99, sum by (le) "
    f'(rate(ocpp_fleet_ocpp_request_duration_seconds_bucket{{action="TransactionEvent"}}[{RATE_WINDOW}])))',
    # the recording rules of dashboards/fleet-rules.yml, evaluated by the server itself
    "recorded p99": 'action:ocpp_fleet_ocpp_request_duration_seconds:p99_1m{action="TransactionEvent"}',
}


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, PromQL) for every target of the Grafana dashboard, variables made concrete."""
    dashboard = json.loads((DASHBOARDS / "fleet-grafana.json").read_text())
    queries = [
        (panel["title"], target["expr"].replace("$__rate_interval", RATE_WINDOW))
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    leftover = [expr for _, expr in queries if "$" in expr]
    assert leftover == [], f"Grafana variables the test does not substitute: {leftover}"
    return queries


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


def write_config(tmp_path: Path, fleet_port: int) -> Path:
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files:\n  - {DASHBOARDS / 'fleet-rules.yml'}\n"
        "scrape_configs:\n  - job_name: ocpp-fleet\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{fleet_port}']\n"
    )
    return config


@pytest.mark.skipif(PROMETHEUS is None, reason=NOT_INSTALLED)
async def test_prometheus_scrapes_a_fleet_run_and_answers_every_dashboard_query(tmp_path: Path) -> None:
    assert PROMETHEUS is not None
    fleet_port, web_port = _free_loopback_port(), _free_loopback_port()
    base_url = f"http://127.0.0.1:{web_port}"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=20, duration_s=60.0, ramp_per_s=20.0, seed=11),
        evses_per_station=2,
        # drivers come and go within seconds, so TransactionEvents flow from the start
        driver=DriverSettings(mean_idle_s=1.0, mean_charge_s=4.0, step_s=0.2),
        metrics_port=fleet_port,
    )
    command = [
        PROMETHEUS,
        f"--config.file={write_config(tmp_path, fleet_port)}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{web_port}",
    ]
    queries = dashboard_queries()
    results: dict[str, list[dict[str, Any]]] = {}
    outcome: list[JobResult] = []

    async def run_fleet_job() -> None:
        outcome.append(await run_job(job))

    with (tmp_path / "prometheus.log").open("w") as log, trio.fail_after(DATA_DEADLINE_S + 15):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(run_fleet_job)
            # cancelling the nursery terminates Prometheus (SIGTERM, then SIGKILL)
            await nursery.start(partial(trio.run_process, command, stdout=log, stderr=log, check=False))
            missing: list[str] = []
            with trio.move_on_after(DATA_DEADLINE_S):
                while True:
                    for name, expr in [*KEY_QUERIES.items(), *queries]:
                        results[name if name in KEY_QUERIES else expr] = await query(base_url, expr)
                    missing = [expr for expr, result in results.items() if not result]
                    key_ready = all(finite_values(results[name]) for name in KEY_QUERIES)
                    if key_ready and not missing:
                        break
                    await trio.sleep(0.5)  # Prometheus scrapes once a second
            up = await query(base_url, "up")
            nursery.cancel_scope.cancel()

    assert outcome == [], "the fleet run stopped before the test had its answers"
    assert [float(item["value"][1]) for item in up] == [1.0], up
    assert missing == [], f"dashboard queries without data after {DATA_DEADLINE_S} s: {missing}"
    rates = {item["metric"]["action"]: float(item["value"][1]) for item in results["request rate"]}
    assert rates["TransactionEvent"] > 0 and rates["BootNotification"] >= 0
    for name in ("TransactionEvent p99", "recorded p99"):
        values = finite_values(results[name])
        assert len(values) == 1 and 0.0 < values[0] <= 30.0, (name, values)
    assert len(queries) >= 10 and all(re.search(r"\bocpp_fleet_", expr) for _, expr in queries)


@pytest.mark.skipif(PROMTOOL is None, reason=NOT_INSTALLED)
@pytest.mark.parametrize(
    ("check", "file"), [("rules", "fleet-rules.yml"), ("config", "prometheus.yml")], ids=["rules", "config"]
)
def test_promtool_accepts_the_rules_and_the_scrape_config(check: str, file: str) -> None:
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "check", check, str(DASHBOARDS / file)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout + done.stderr
