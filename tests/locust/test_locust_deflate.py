"""`fleet locust --fleet-deflate 1` against the embedded CSMS: every station offers permessage-deflate,
the CSMS accepts it, and the swarm boots and runs without a failure."""

from __future__ import annotations

from pathlib import Path

from test_locust_headless import _swarm


async def test_a_swarm_on_deflate_boots_without_failures(tmp_path: Path) -> None:
    users = 4
    stats, booted = await _swarm(
        tmp_path, users, 6, ["--fleet-deflate", "1", "--fleet-id-prefix", "DF-", "--fleet-speed", "4"]
    )
    assert int(stats[("OCPP2.0.1", "BootNotification")]["Request Count"]) == users
    assert all(row["Failure Count"] == "0" for row in stats.values()), stats
    assert booted == {f"DF-{n:05d}" for n in range(users)}
