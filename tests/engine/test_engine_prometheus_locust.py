"""Issue 18 item 8: the Locust-mode dashboard reads what the Locust exporter serves.

A real Prometheus (Debian's, loopback) scrapes a headless `fleet locust` swarm (no --host: it
starts the embedded CSMS) and every query of dashboards/fleet-locust-grafana.json, the dashboard
variables set to "All", must return data while the swarm runs.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio
from _prometheus_support import (
    NOT_INSTALLED,
    PROMETHEUS,
    dashboard_queries,
    free_loopback_port,
    prometheus_command,
    query,
)

DATA_DEADLINE_S = 35.0


def locust_command(metrics_port: int) -> list[str]:
    return [
        sys.executable, "-m", "fleet", "locust",
        "--headless", "-u", "6", "-r", "6", "-t", f"{DATA_DEADLINE_S + 20:g}s", "--only-summary",
        "--fleet-metrics-port", str(metrics_port),
    ]  # fmt: skip


async def _poll(base_url: str, queries: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Every query's latest answer, once all answer with data (or at the deadline)."""
    results: dict[str, list[dict[str, Any]]] = {}
    with trio.move_on_after(DATA_DEADLINE_S):
        while True:
            for title, expr in queries:
                results[f"{title}: {expr}"] = await query(base_url, expr)
            if all(results.values()):
                return results
            await trio.sleep(0.5)  # Prometheus scrapes once a second
    return results


@pytest.mark.skipif(PROMETHEUS is None, reason=NOT_INSTALLED)
async def test_every_query_of_the_locust_dashboard_returns_data_during_a_swarm(tmp_path: Path) -> None:
    metrics_port, web_port = free_loopback_port(), free_loopback_port()
    queries = dashboard_queries("fleet-locust-grafana.json")
    assert len(queries) >= 6
    run = partial(trio.run_process, check=False)
    with (
        (tmp_path / "prometheus.log").open("w") as prometheus_log,
        (tmp_path / "locust.log").open("w") as locust_log,
        trio.fail_after(DATA_DEADLINE_S + 15),
    ):
        async with trio.open_nursery() as nursery:
            # cancelling the nursery terminates both (SIGTERM, then SIGKILL)
            await nursery.start(
                partial(run, prometheus_command(tmp_path, metrics_port, web_port), stdout=prometheus_log,
                        stderr=prometheus_log)
            )  # fmt: skip
            await nursery.start(
                partial(run, locust_command(metrics_port), stdout=locust_log, stderr=locust_log)
            )
            results = await _poll(f"http://127.0.0.1:{web_port}", queries)
            nursery.cancel_scope.cancel()

    log = (tmp_path / "locust.log").read_text()
    assert "Traceback" not in log, log
    missing = [name for name, result in results.items() if not result]
    assert missing == [], f"queries without data after {DATA_DEADLINE_S} s: {missing}\n{log[-2000:]}"
    users = results[next(name for name in results if name.startswith("Users"))]
    assert float(users[0]["value"][1]) == 6.0
