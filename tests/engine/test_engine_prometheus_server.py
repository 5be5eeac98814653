"""A real Prometheus server scrapes a short fleet run; its HTTP API answers the dashboard's queries.

Debian's ``prometheus`` and ``promtool`` (installed by .ci/run). Everything listens on 127.0.0.1.
Real time, necessarily: the test polls Prometheus's API with a bounded deadline, then stops both.
"""

from __future__ import annotations

import re
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio
from _prometheus_support import (
    DASHBOARDS,
    NOT_INSTALLED,
    PROMETHEUS,
    PROMTOOL,
    RATE_WINDOW,
    dashboard_queries,
    finite_values,
    free_loopback_port,
    prometheus_command,
    query,
)

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, JobResult, RunJob, run_job

DATA_DEADLINE_S = 30.0

KEY_QUERIES = {
    "request rate": f"sum by (action) (rate(ocpp_fleet_ocpp_messages_total[{RATE_WINDOW}]))",
    "TransactionEvent p99": "histogram_quantile(0.99, sum by (le) "
    f'(rate(ocpp_fleet_ocpp_request_duration_seconds_bucket{{action="TransactionEvent"}}[{RATE_WINDOW}])))',
    # the recording rules of dashboards/fleet-rules.yml, evaluated by the server itself
    "recorded p99": 'action:ocpp_fleet_ocpp_request_duration_seconds:p99_1m{action="TransactionEvent"}',
}


@pytest.mark.skipif(PROMETHEUS is None, reason=NOT_INSTALLED)
async def test_prometheus_scrapes_a_fleet_run_and_answers_every_dashboard_query(tmp_path: Path) -> None:
    assert PROMETHEUS is not None
    fleet_port, web_port = free_loopback_port(), free_loopback_port()
    base_url = f"http://127.0.0.1:{web_port}"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=20, duration_s=60.0, ramp_per_s=20.0, seed=11),
        evses_per_station=2,
        # drivers come and go within seconds, so TransactionEvents flow from the start
        driver=DriverSettings(mean_idle_s=1.0, mean_charge_s=4.0, step_s=0.2),
        metrics_port=fleet_port,
    )
    command = prometheus_command(tmp_path, fleet_port, web_port)
    # the run annotations need ocpp_fleet_run_info, which this job does not publish
    queries = [(title, expr) for title, expr in dashboard_queries() if not title.startswith("annotation")]
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
