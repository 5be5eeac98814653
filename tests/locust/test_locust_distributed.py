"""One Locust master and two workers on loopback: stations of both workers, distinct ids, and the
master's Prometheus endpoint aggregating them.

Over 20 s on a busy 2-core machine: three Locust processes start (~2 s of imports each) before a
6 s run; there is no shorter honest way to exercise Locust's master/worker protocol."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import trio
from _locust_support import fleet_locust, open_csms, read_stats

USERS = 6
# prometheus_client writes labels in alphabetical order
_BOOTS_OK = re.compile(
    rb"ocpp_fleet_locust_requests_total"
    rb'\{action="BootNotification",ocpp_version="2.0.1",outcome="ok"\} (\S+)'
)


def _scrape(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body: bytes = response.read()
    return body


async def _boots_exported(port: int) -> float:
    """BootNotifications the master exports once every station's boot has reached it."""
    while True:
        try:
            body = await trio.to_thread.run_sync(_scrape, port)
        except OSError:
            body = b""  # the master is still starting: poll again
        found = _BOOTS_OK.search(body)
        if found is not None and float(found.group(1)) >= USERS:
            return float(found.group(1))
        await trio.sleep(0.2)


async def test_master_and_two_workers_run_distinct_stations(tmp_path: Path, unused_port: int) -> None:
    csv_prefix = tmp_path / "dist"
    master_port = unused_port
    with trio.socket.socket() as probe:
        await probe.bind(("127.0.0.1", 0))
        metrics_port = probe.getsockname()[1]
    async with open_csms() as csms:
        host = f"{csms.url}/ocpp"
        master_args = [
            *("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port)),
            *("--expect-workers", "2", "--expect-workers-max-wait", "20"),
            *("--headless", "-u", str(USERS), "-r", str(USERS), "-t", "6s", "--host", host),
            *("--csv", str(csv_prefix), "--only-summary", "--fleet-id-prefix", "D-"),
            *("--fleet-metrics-port", str(metrics_port)),
        ]
        worker_args = ["--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)]
        async with (
            fleet_locust(master_args, tmp_path) as master,
            fleet_locust(worker_args, tmp_path) as first,
            fleet_locust(worker_args, tmp_path) as second,
        ):
            with trio.fail_after(38):
                exported = await _boots_exported(metrics_port)
                code = await master.wait()
                await first.wait()
                await second.wait()
        booted = set(csms.ledger.stations_booted)
    assert code == 0, master.text()[-3000:]
    assert exported == USERS
    stats = read_stats(csv_prefix)
    assert int(stats[("OCPP2.0.1", "BootNotification")]["Request Count"]) == USERS
    assert all(row["Failure Count"] == "0" for row in stats.values()), stats
    assert len(booted) == USERS
    by_worker = {station_id.split("-")[1] for station_id in booted}
    assert by_worker == {"w0", "w1"}, booted
