"""`fleet locust --headless` against the embedded CSMS: OCPP actions in Locust's stats, no failures."""

from __future__ import annotations

from pathlib import Path

import trio
from _locust_support import fleet_locust, open_csms, read_stats

USERS = 10


async def _swarm(
    tmp_path: Path, users: int, seconds: int, fleet_args: list[str]
) -> tuple[dict[tuple[str, str], dict[str, str]], set[str]]:
    """A headless swarm of ``users`` stations for ``seconds``: Locust's stats and the station ids
    the CSMS saw boot; fails with Locust's output if Locust does not exit 0."""
    csv_prefix = tmp_path / "run"
    async with open_csms() as csms:
        args = [
            *("--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s"),
            *("--host", f"{csms.url}/ocpp", "--csv", str(csv_prefix), "--only-summary"),
            *fleet_args,
        ]
        async with fleet_locust(args, tmp_path) as locust:
            with trio.fail_after(35):
                code = await locust.wait()
        booted = set(csms.ledger.stations_booted)
    assert code == 0, locust.text()[-3000:]
    return read_stats(csv_prefix), booted


async def test_headless_swarm_reports_ocpp_actions_without_failures(tmp_path: Path) -> None:
    stats, booted = await _swarm(
        tmp_path, USERS, 8, ["--fleet-id-prefix", "HL-", "--fleet-speed", "4", "--fleet-seed", "7"]
    )
    assert int(stats[("OCPP2.0.1", "BootNotification")]["Request Count"]) == USERS
    assert int(stats[("OCPP2.0.1", "StatusNotification")]["Request Count"]) >= USERS
    assert int(stats[("WebSocket", "connect")]["Request Count"]) == USERS
    # the simple driver at 4x: sessions (Authorize, TransactionEvent) or at least heartbeats
    assert {"TransactionEvent", "Heartbeat"} & {name for kind, name in stats if kind == "OCPP2.0.1"}
    assert all(row["Failure Count"] == "0" for row in stats.values()), stats
    assert booted == {f"HL-{n:05d}" for n in range(USERS)}


async def test_a_16_swarm_is_reported_as_ocpp16(tmp_path: Path) -> None:
    """The same locustfile with --fleet-ocpp 1.6: the Station16 core behind the same Locust user,
    rows typed OCPP1.6 with 1.6 action names."""
    users = 4
    stats, booted = await _swarm(
        tmp_path, users, 6, ["--fleet-ocpp", "1.6", "--fleet-id-prefix", "V16-", "--fleet-speed", "4"]
    )
    assert int(stats[("OCPP1.6", "BootNotification")]["Request Count"]) == users
    assert int(stats[("OCPP1.6", "StatusNotification")]["Request Count"]) >= users
    assert not {kind for kind, _ in stats} & {"OCPP2.0.1"}
    assert all(row["Failure Count"] == "0" for row in stats.values()), stats
    assert booted == {f"V16-{n:05d}" for n in range(users)}
