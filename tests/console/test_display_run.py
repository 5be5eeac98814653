"""The station's own display end to end: a real `fleet run` in-process (2.0.1 and 1.6 stations with
simulated drivers, against the embedded CSMS) with its console on loopback; a person badges a
card at one station's display, plugs in, and the CSMS sees the transaction start with that token
(its live view is fed by the frames it received); stop ends it on the wire."""

from __future__ import annotations

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

PASSWORD = "display-pw"
STATIONS = 2
WAIT_S = 60.0


def display_job(port: int) -> RunJob:
    """Two stations of two EVSEs (one 2.0.1, one 1.6) whose drivers come and go (--speed 10)."""
    return RunJob(
        fleet=FleetConfig(
            csms_url="", stations=STATIONS, duration_s=300.0, ramp_per_s=50, seed=4, speed=10.0
        ),
        driver=DriverSettings(mean_idle_s=600.0, mean_charge_s=600.0, step_s=1.0),
        evses_per_station=2,
        ocpp=OcppMix(0.5),
        console=ConsoleSettings(password=PASSWORD, port=port),
    )


@pytest.fixture
async def console(unused_port: int) -> AsyncIterator[httpx.AsyncClient]:
    """A logged-in client of a running fleet's console (the run is cancelled at the end)."""
    async with logged_in_console(display_job(unused_port), unused_port, PASSWORD, WAIT_S) as client:
        yield client


async def screen(client: httpx.AsyncClient, station_id: str) -> dict[str, Any]:
    """The display's state once the station is online."""
    with trio.fail_after(WAIT_S):
        while True:
            response = await client.get(f"/stations/{station_id}/display/state")
            if response.status_code == 200 and response.json()["online"]:
                return dict(response.json())
            await trio.sleep(0.2)


async def press(client: httpx.AsyncClient, station_id: str, action: str, **fields: str) -> tuple[int, str]:
    """Submit the display's form as the page does, asking for JSON: (status, what it says)."""
    page = await client.get(f"/stations/{station_id}/display")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None, page.text[:400]
    response = await client.post(
        f"/stations/{station_id}/display/{action}",
        data={"csrf": match.group(1), **fields},
        headers={"Accept": "application/json"},
    )
    return response.status_code, str(response.json()["message"])


async def csms_transaction(client: httpx.AsyncClient, station_id: str, token: str) -> dict[str, Any]:
    """The CSMS's live transaction of ``station_id`` started with ``token``."""
    with trio.fail_after(WAIT_S):
        while True:
            station = (await client.get(f"/api/stations/{station_id}")).json()
            mine = [t for t in station.get("transactions", []) if t["id_token"] == token]
            if mine:
                return dict(mine[0])
            await trio.sleep(0.2)


async def ended_at_the_csms(client: httpx.AsyncClient, transaction_id: str) -> None:
    with trio.fail_after(WAIT_S):
        while True:
            ledger = await client.get("/transactions")
            pattern = rf'data-transaction="{re.escape(transaction_id)}">.*?class="tx-state">(\w+)<'
            row = re.search(pattern, ledger.text, re.S)
            if row is not None and row.group(1) == "Ended":
                return
            await trio.sleep(0.2)


async def person_charges(client: httpx.AsyncClient, station_id: str, token: str) -> None:
    state = await screen(client, station_id)
    evse = str(next(e["evse_id"] for e in state["evses"] if e["user"] == "free"))
    status, said = await press(client, station_id, "present", evse_id=evse, id_token=token, kind="rfid")
    assert (status, said) == (200, f"EVSE {evse}: token {token} presented: authorizing")
    status, said = await press(client, station_id, "plug-in", evse_id=evse)
    assert status == 200, said
    transaction = await csms_transaction(client, station_id, token)
    assert str(transaction["evse_id"]) == evse
    mine = next(e for e in (await screen(client, station_id))["evses"] if str(e["evse_id"]) == evse)
    assert mine["user"] == "you" and mine["id_token"] == token and mine["transaction_id"] is not None
    status, said = await press(client, station_id, "stop", evse_id=evse)
    assert status == 200 and "stopping" in said
    await ended_at_the_csms(client, transaction["transaction_id"])
    assert await press(client, station_id, "unplug", evse_id=evse) == (
        200,
        f"EVSE {evse}: car unplugged, the connector is free",
    )


async def test_a_person_charges_at_a_201_and_a_16_station(console: httpx.AsyncClient) -> None:
    versions = {sid: (await screen(console, sid))["ocpp_version"] for sid in ("SIM-00000", "SIM-00001")}
    assert sorted(versions.values()) == ["1.6", "2.0.1"]
    for station_id in versions:
        await person_charges(console, station_id, f"CARD{station_id[-1]}")


async def test_the_display_refuses_and_says_why(console: httpx.AsyncClient) -> None:
    await screen(console, "SIM-00000")
    assert await press(console, "SIM-00000", "stop", evse_id="1") == (
        409,
        "EVSE 1: no session of yours to stop (present your token first)",
    )
    assert (await press(console, "SIM-00000", "plug-in", evse_id="x"))[0] == 400
    assert (await press(console, "SIM-00000", "dance", evse_id="1"))[0] == 404
    stale = await console.post(
        "/stations/SIM-00000/display/present", data={"csrf": "old", "evse_id": "1", "id_token": "A"}
    )
    assert stale.status_code == 303  # back to the page, which says why
    page = await console.get(stale.headers["location"])
    assert "The form was stale (CSRF token)" in page.text
    missing = await console.get("/stations/SIM-99999/display")
    assert missing.status_code == 404 and 'id="display-missing"' in missing.text
    station_page = await console.get("/stations/SIM-00000")
    assert 'href="/stations/SIM-00000/display"' in station_page.text
