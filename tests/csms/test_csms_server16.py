"""The embedded CSMS over loopback speaking OCPP 1.6 beside 2.0.1: subprotocol negotiation, a
whole 1.6 transaction from a raw client, and a CSMS-initiated 1.6 call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from fleet.csms import CsmsConfig, CsmsServer, serve_csms
from fleet.ocpp import encode_call, v16, v201
from support import OcppSchemaValidator

NETWORK_TIMEOUT = 10.0
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


async def start_csms(nursery: trio.Nursery) -> CsmsServer:
    with trio.fail_after(NETWORK_TIMEOUT):
        server: CsmsServer = await nursery.start(serve_csms, CsmsConfig())
    return server


class RawStation:
    """A hand-written 1.6 charge point: sends CALLs, answers the CSMS, keeps every frame."""

    def __init__(self, websocket: WebSocketConnection) -> None:
        self.websocket = websocket
        self.frames: list[tuple[str, str]] = []
        self._next = 0

    async def send(self, text: str) -> None:
        self.frames.append(("sent", text))
        with trio.fail_after(NETWORK_TIMEOUT):
            await self.websocket.send_message(text)

    async def receive(self) -> list[Any]:
        with trio.fail_after(NETWORK_TIMEOUT):
            text = await self.websocket.get_message()
        assert isinstance(text, str)
        self.frames.append(("received", text))
        frame: list[Any] = json.loads(text)
        return frame

    async def call(self, action: str, request: msgspec.Struct) -> dict[str, Any]:
        self._next += 1
        unique_id = f"cp-{self._next}"
        await self.send(encode_call(unique_id, action, request))
        reply = await self.receive()
        assert reply[:2] == [3, unique_id], reply
        payload: dict[str, Any] = reply[2]
        return payload


async def test_a_1_6_charge_point_boots_charges_and_is_called(nursery: trio.Nursery) -> None:
    server = await start_csms(nursery)
    async with open_websocket_url(
        f"{server.url}/ocpp/CP-16", subprotocols=[v16.SUBPROTOCOL], connect_timeout=NETWORK_TIMEOUT
    ) as websocket:
        assert websocket.subprotocol == v16.SUBPROTOCOL
        station = RawStation(websocket)
        boot = v16.BootNotificationRequest(charge_point_vendor="Acme", charge_point_model="AC22")
        assert (await station.call("BootNotification", boot))["status"] == "Accepted"
        status = v16.StatusNotificationRequest(connector_id=1, error_code="NoError", status="Preparing")
        assert await station.call("StatusNotification", status) == {}
        assert (await station.call("Authorize", v16.AuthorizeRequest(id_tag="TAG-9")))["idTagInfo"] == {
            "status": "Accepted"
        }
        start = v16.StartTransactionRequest(connector_id=1, id_tag="TAG-9", meter_start=20_000, timestamp=T0)
        transaction_id = (await station.call("StartTransaction", start))["transactionId"]
        sample = v16.MeterValueSampledValue(value="21.5", unit="kWh")
        reading = v16.MeterValue(timestamp=T0 + timedelta(minutes=10), sampled_value=[sample])
        values = v16.MeterValuesRequest(connector_id=1, transaction_id=transaction_id, meter_value=[reading])
        assert await station.call("MeterValues", values) == {}

        async def answer_the_csms() -> None:
            request = await station.receive()
            assert request[0] == 2 and request[2] == "RemoteStopTransaction"
            assert request[3] == {"transactionId": transaction_id}
            await station.send(json.dumps([3, request[1], {"status": "Accepted"}]))

        nursery.start_soon(answer_the_csms)
        with trio.fail_after(NETWORK_TIMEOUT):
            answer = await server.call(
                "CP-16",
                "RemoteStopTransaction",
                v16.RemoteStopTransactionRequest(transaction_id=transaction_id),
            )
        assert answer == v16.RemoteStopTransactionResponse(status="Accepted")

        end = v16.StopTransactionRequest(
            transaction_id=transaction_id,
            meter_stop=27_250,
            timestamp=T0 + timedelta(minutes=20),
            reason="Remote",
        )
        assert await station.call("StopTransaction", end) == {}

    assert OcppSchemaValidator("1.6").validate_stream(station.frames) == []
    summary = server.ledger.summary()
    assert summary["transactions_by_version"] == {
        "1.6": {"seen": 1, "started": 1, "ended": 1, "unknown_ids": 0, "energy_wh": 7250.0}
    }
    assert summary["protocol_errors"] == {}
    assert server.ledger.stations_booted == {"CP-16"}
    assert server.internal_faults == []


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        ((v16.SUBPROTOCOL, v201.SUBPROTOCOL), v16.SUBPROTOCOL),
        ((v201.SUBPROTOCOL, v16.SUBPROTOCOL), v201.SUBPROTOCOL),
        (("ocpp1.5", v16.SUBPROTOCOL), v16.SUBPROTOCOL),
    ],
)
async def test_the_client_order_picks_the_version(
    nursery: trio.Nursery, offered: tuple[str, ...], chosen: str
) -> None:
    server = await start_csms(nursery)
    async with open_websocket_url(
        f"{server.url}/CP-1", subprotocols=list(offered), connect_timeout=NETWORK_TIMEOUT
    ) as websocket:
        assert websocket.subprotocol == chosen
        with trio.fail_after(NETWORK_TIMEOUT):
            await websocket.send_message('[2, "h1", "Heartbeat", {}]')
            reply = json.loads(await websocket.get_message())
            # the session speaks the chosen version: an unknown field is refused in its words
            await websocket.send_message('[2, "h2", "Heartbeat", {"extra": 1}]')
            refusal = json.loads(await websocket.get_message())
    assert reply[:2] == [3, "h1"] and "currentTime" in reply[2]
    expected = "FormationViolation" if chosen == v16.SUBPROTOCOL else "FormatViolation"
    assert refusal[:3] == [4, "h2", expected]
    assert server.ledger.protocol_errors == {expected: 1}
