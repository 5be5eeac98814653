"""Issue 18: a real Prometheus scrapes a charging `fleet run` (a subprocess, as users start it);
the energy panels and every query of dashboards/fleet-grafana.json, its run annotation included,
return data while the sessions charge.

A commuter car park's morning at --speed 120: sessions start within seconds and meter every
simulated minute (every half second), so the metered energy grows from the first readings on,
long before any session ends. Real time, necessarily: the test polls Prometheus's API with a
bounded deadline, then stops both processes. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

import _prometheus_support as prom
import pytest
import trio

DATA_DEADLINE_S = 35.0
ENERGY_QUERIES = {
    "metered energy": "sum(ocpp_fleet_energy_delivered_joules_total)",
    "metered power": f"sum(rate(ocpp_fleet_energy_delivered_joules_total[{prom.RATE_WINDOW}]))",
    "run info": "ocpp_fleet_run_info",
}


def fleet_command(fleet_port: int) -> list[str]:
    return [
        sys.executable, "-m", "fleet", "run",
        "--profile", "workplace",
        "--speed", "120",
        "--stations", "20",
        "--ramp", "20",
        "--duration", str(DATA_DEADLINE_S + 20),
        "--start", "2026-11-30T05:00:00Z",  # a Monday, 06:00 local time of the profile
        "--metrics-port", str(fleet_port),
        "--tag", "suite=energy",
    ]  # fmt: skip


async def _poll(base_url: str, queries: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Every query's latest answer, once each answers with data and the energy grows (or at the
    deadline)."""
    results: dict[str, list[dict[str, Any]]] = {}
    with trio.move_on_after(DATA_DEADLINE_S):
        while True:
            for name, expr in [*ENERGY_QUERIES.items(), *queries]:
                results[name if name in ENERGY_QUERIES else expr] = await prom.query(base_url, expr)
            charging = all(sum(prom.finite_values(results[name])) > 0 for name in ENERGY_QUERIES)
            if charging and all(results.values()):
                return results
            await trio.sleep(0.5)  # Prometheus scrapes once a second
    return results


@pytest.mark.skipif(prom.PROMETHEUS is None, reason=prom.NOT_INSTALLED)
async def test_the_dashboard_and_its_energy_panels_show_a_charging_fleet_run(tmp_path: Path) -> None:
    fleet_port, web_port = prom.free_loopback_port(), prom.free_loopback_port()
    base_url = f"http://127.0.0.1:{web_port}"
    queries = prom.dashboard_queries()
    energy_panels = [expr for title, expr in queries if title.startswith("Energy delivered")]
    assert len(energy_panels) == 3  # power; metered and ended-transactions totals
    run = partial(trio.run_process, check=False)
    with (
        (tmp_path / "prometheus.log").open("w") as prometheus_log,
        (tmp_path / "fleet.log").open("w") as fleet_log,
        trio.fail_after(DATA_DEADLINE_S + 15),
    ):
        async with trio.open_nursery() as nursery:
            # cancelling the nursery terminates both (SIGTERM, then SIGKILL)
            command = prom.prometheus_command(tmp_path, fleet_port, web_port)
            await nursery.start(partial(run, command, stdout=prometheus_log, stderr=prometheus_log))
            fleet = await nursery.start(
                partial(run, fleet_command(fleet_port), stdout=fleet_log, stderr=fleet_log)
            )
            results = await _poll(base_url, queries)
            up = await prom.query(base_url, "up")
            nursery.cancel_scope.cancel()

    log = (tmp_path / "fleet.log").read_text()
    assert fleet.returncode in (0, None) and "Traceback" not in log, log  # SIGTERM ends a run cleanly
    assert [float(item["value"][1]) for item in up] == [1.0], up
    missing = [expr for expr, result in results.items() if not result]
    assert missing == [], f"queries without data after {DATA_DEADLINE_S} s: {missing}"
    for name in ("metered energy", "metered power", *energy_panels[:2]):
        assert sum(prom.finite_values(results[name])) > 0, (name, results[name])
    (info,) = results["run info"]
    assert info["metric"]["tag_suite"] == "energy" and info["metric"]["profile"] == "workplace"
