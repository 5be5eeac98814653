"""The operator's actions end to end: a real `fleet run` in-process (2.0.1 and 1.6 stations
against the embedded CSMS) with its console on loopback, driven over HTTP as the pages do:
log in, wait for charging stations, send each action as a real CSMS-initiated call, read the
answer on the page, and see a remotely stopped transaction end on the wire."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import trio

from fleet.behaviour import DriverSettings
from fleet.console import ConsoleSettings
from fleet.engine import FleetConfig, OcppMix, RunJob
from support.console_run import logged_in_console

PASSWORD = "actions-pw"
STATIONS = 4
WAIT_S = 90.0


def console_job(port: int, *, stations: int = STATIONS, duration_s: float = 300.0) -> RunJob:
    """A fleet that starts charging at once and keeps charging (long sessions), its meter values
    every couple of real seconds (--speed 30)."""
    return RunJob(
        fleet=FleetConfig(
            csms_url="", stations=stations, duration_s=duration_s, ramp_per_s=50, seed=3, speed=30.0
        ),
        driver=DriverSettings(mean_idle_s=1.0, mean_charge_s=36_000.0, step_s=1.0),
        ocpp=OcppMix(0.5),
        console=ConsoleSettings(password=PASSWORD, port=port),
    )


@pytest.fixture
async def console(unused_port: int) -> AsyncIterator[httpx.AsyncClient]:
    """A logged-in client of a running fleet's console (the run is cancelled at the end)."""
    async with logged_in_console(console_job(unused_port), unused_port, PASSWORD, WAIT_S) as client:
        yield client


async def station_json(client: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/stations/{station_id}")
    return dict(response.json()) if response.status_code == 200 else {}


async def charging(client: httpx.AsyncClient, version: str) -> dict[str, Any]:
    """The first station speaking ``version`` seen with a live transaction and a meter reading."""
    with trio.fail_after(WAIT_S):
        while True:
            for index in range(STATIONS):
                station = await station_json(client, f"SIM-{index:05d}")
                transactions = station.get("transactions") or []
                if (
                    station.get("ocpp_version") == version
                    and transactions
                    and transactions[0]["energy_kwh"] is not None
                ):
                    return station
            await trio.sleep(0.2)


async def act(client: httpx.AsyncClient, station_id: str, action: str, **fields: str) -> str:
    """Post an operator action's form as the page does; the answer the page shows."""
    page = await client.get(f"/stations/{station_id}")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    with trio.fail_after(WAIT_S):
        response = await client.post(
            f"/stations/{station_id}/actions/{action}",
            data={"csrf": match.group(1), **fields},
            follow_redirects=True,
        )
    flash = re.search(r'<p id="flash" class="flash (\w+)">(.*?)</p>', response.text, re.S)
    assert flash is not None, response.text[:400]
    return f"{flash.group(1)}: {html.unescape(flash.group(2))}"


async def ended_on_the_wire(
    client: httpx.AsyncClient, station_id: str, transaction_id: str, ended_frame: str
) -> None:
    with trio.fail_after(WAIT_S):
        while True:
            station = await station_json(client, station_id)
            live = [t["transaction_id"] for t in station["transactions"]]
            frames = [f["text"] for f in station["frames"] if f["direction"] == "in"]
            if transaction_id not in live and any(ended_frame in text for text in frames):
                break
            await trio.sleep(0.2)
    ledger = await client.get("/transactions")
    row = re.search(
        rf'data-transaction="{re.escape(transaction_id)}">.*?class="tx-state">(\w+)<', ledger.text, re.S
    )
    assert row is not None and row.group(1) == "Ended"


async def test_operator_actions_on_a_201_station(console: httpx.AsyncClient) -> None:
    station = await charging(console, "2.0.1")
    station_id = station["station_id"]
    transaction = station["transactions"][0]
    evse = str(transaction["evse_id"])
    assert (
        await act(console, station_id, "trigger", message="StatusNotification")
        == "ok: TriggerMessage: Accepted"
    )
    assert (await act(console, station_id, "limit", evse_id=evse, limit="7400", unit="W")).startswith(
        "ok: SetChargingProfile: "
    )
    assert (await act(console, station_id, "unlock", evse_id=evse, connector_id="1")).startswith(
        "ok: UnlockConnector: "
    )
    assert (await act(console, station_id, "availability", evse_id="0", status="Operative")).startswith(
        "ok: ChangeAvailability: "
    )
    stop = await act(console, station_id, "remote-stop", transaction_id=transaction["transaction_id"])
    assert stop == "ok: RequestStopTransaction: Accepted"
    await ended_on_the_wire(console, station_id, transaction["transaction_id"], '"eventType":"Ended"')
    assert (await act(console, station_id, "remote-start", evse_id=evse, id_token="CONSOLE-9")).startswith(
        "ok: RequestStartTransaction: "
    )
    refused = await act(console, station_id, "remote-stop", transaction_id="")
    assert refused == "bad: remote-stop: transaction_id: the station has no live transaction to stop"


async def test_operator_actions_on_a_16_station(console: httpx.AsyncClient) -> None:
    station = await charging(console, "1.6")
    station_id, transaction = station["station_id"], station["transactions"][0]
    assert (
        await act(console, station_id, "trigger", message="StatusNotification")
        == "ok: TriggerMessage: Accepted"
    )
    stop = await act(console, station_id, "remote-stop", transaction_id=transaction["transaction_id"])
    assert stop == "ok: RemoteStopTransaction: Accepted"
    await ended_on_the_wire(console, station_id, transaction["transaction_id"], '"StopTransaction"')
    assert await act(console, station_id, "reset", type="Soft") == "ok: Reset: Accepted"
    missing = await act(console, "SIM-99999", "reset", type="Soft")
    assert missing == "bad: No action 'reset' for station 'SIM-99999'."
