"""The trio server over real loopback websockets: handshake rules, garbage, reconnects, CSMS calls."""

from __future__ import annotations

import io
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import pytest
import trio
import trio.testing
from _csms_frames import call_frame, get_variables, parse
from trio_websocket import ConnectionClosed, ConnectionRejected, WebSocketConnection, open_websocket_url

from fleet.csms import (
    CsmsConfig,
    CsmsServer,
    StationCallRefused,
    StationCallTimeout,
    StationNotConnected,
    run_csms,
    serve_csms,
)
from fleet.ocpp import v201

NETWORK_TIMEOUT = 10.0
BOOT = {"reason": "PowerUp", "chargingStation": {"model": "Test", "vendorName": "ocpp-fleet"}}


async def start_csms(nursery: trio.Nursery, config: CsmsConfig | None = None) -> CsmsServer:
    with trio.fail_after(NETWORK_TIMEOUT):
        server: CsmsServer = await nursery.start(serve_csms, config or CsmsConfig())
    return server


@asynccontextmanager
async def connect(
    url: str, path: str = "/CS-1", subprotocols: tuple[str, ...] = (v201.SUBPROTOCOL,)
) -> AsyncIterator[WebSocketConnection]:
    # trio-websocket's own timeouts bound the opening and closing handshakes
    async with open_websocket_url(
        url + path,
        subprotocols=list(subprotocols),
        connect_timeout=NETWORK_TIMEOUT,
        disconnect_timeout=NETWORK_TIMEOUT,
    ) as websocket:
        yield websocket


async def next_frame(websocket: WebSocketConnection) -> list[Any]:
    with trio.fail_after(NETWORK_TIMEOUT):
        message = await websocket.get_message()
    assert isinstance(message, str), "OCPP-J frames are text messages"
    return parse(message)


async def request(websocket: WebSocketConnection, frame: str | bytes) -> list[Any]:
    with trio.fail_after(NETWORK_TIMEOUT):
        await websocket.send_message(frame)
    return await next_frame(websocket)


async def test_the_server_answers_and_records_a_station(nursery: trio.Nursery) -> None:
    server = await start_csms(nursery)
    assert server.url == f"ws://127.0.0.1:{server.port}" and server.port > 0

    async with connect(server.url, "/ocpp/v201/CS-7") as websocket:
        boot = await request(websocket, call_frame("b1", "BootNotification", BOOT))
        assert server.connected_stations() == ["CS-7"]  # the station id is the last path segment

    assert boot[:2] == [3, "b1"] and boot[2]["status"] == "Accepted"
    assert server.ledger.stations_booted == {"CS-7"}


async def test_bad_frames_get_callerrors_and_the_server_keeps_serving(nursery: trio.Nursery) -> None:
    server = await start_csms(nursery)
    rng = random.Random(2024)
    async with connect(server.url) as websocket:
        for _ in range(5):  # unreadable: no id, so no answer; the next answer is the heartbeat's
            with trio.fail_after(NETWORK_TIMEOUT):
                await websocket.send_message(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 40))))
        assert (await request(websocket, call_frame("h1", "Heartbeat", {})))[:2] == [3, "h1"]

        unknown = await request(websocket, call_frame("u1", "Teleport", {}))
        missing = await request(websocket, call_frame("u2", "Authorize", {}))
        wrong_type = await request(
            websocket, call_frame("u3", "Authorize", {"idToken": {"idToken": 42, "type": "ISO14443"}})
        )
        heartbeat = await request(websocket, call_frame("h2", "Heartbeat", {}))

    assert unknown[:3] == [4, "u1", "NotImplemented"]
    assert missing[:3] == [4, "u2", "OccurrenceConstraintViolation"]
    assert wrong_type[:3] == [4, "u3", "TypeConstraintViolation"]
    assert heartbeat[:2] == [3, "h2"]
    summary = server.ledger.summary()
    assert summary["protocol_errors"] == {
        "NotImplemented": 1,
        "OccurrenceConstraintViolation": 1,
        "RpcFrameworkError": 5,
        "TypeConstraintViolation": 1,
    }
    assert summary["messages_by_action"] == {"Heartbeat": 2}
    assert server.internal_faults == []


@pytest.mark.parametrize("offered", [(), ("ocpp1.5",)], ids=["none", "ocpp1.5"])
async def test_a_client_offering_no_subprotocol_we_speak_is_refused(
    nursery: trio.Nursery, offered: tuple[str, ...]
) -> None:
    server = await start_csms(nursery)

    with pytest.raises(ConnectionRejected) as refused:
        async with connect(server.url, subprotocols=offered):
            pass

    assert refused.value.status_code == 400
    assert refused.value.body is not None and b"ocpp2.0.1" in refused.value.body
    assert server.connected_stations() == []


@pytest.mark.parametrize("path", ["/", "/ocpp/"])
async def test_an_empty_station_id_is_refused_with_404(nursery: trio.Nursery, path: str) -> None:
    server = await start_csms(nursery)

    with pytest.raises(ConnectionRejected) as refused:
        async with connect(server.url, path):
            pass

    assert refused.value.status_code == 404


async def test_a_reconnect_with_the_same_id_replaces_the_old_connection(nursery: trio.Nursery) -> None:
    server = await start_csms(nursery)
    async with connect(server.url, "/CS-1") as old:
        assert (await request(old, call_frame("o1", "Heartbeat", {})))[:2] == [3, "o1"]
        async with connect(server.url, "/CS-1") as new:
            with trio.fail_after(NETWORK_TIMEOUT), pytest.raises(ConnectionClosed):
                await old.get_message()  # the server closed the old one
            assert server.connected_stations() == ["CS-1"]
            assert (await request(new, call_frame("n1", "Heartbeat", {})))[:2] == [3, "n1"]


async def answer_calls(websocket: WebSocketConnection, answer: Any) -> None:
    """A tiny station: answers every CALL it gets with ``answer(frame)`` (a frame to send)."""
    while True:
        frame = await next_frame(websocket)
        if frame[0] == 2:
            await websocket.send_message(json.dumps(answer(frame)))


def variables_result(frame: list[Any]) -> list[Any]:
    results = [
        {**data, "attributeStatus": "Accepted", "attributeValue": "300"}
        for data in frame[3]["getVariableData"]
    ]
    return [3, frame[1], {"getVariableResult": results}]


async def test_call_round_trip_with_a_hand_written_station(nursery: trio.Nursery) -> None:
    server = await start_csms(nursery)
    async with connect(server.url, "/CS-42") as websocket, trio.open_nursery() as station:
        station.start_soon(answer_calls, websocket, variables_result)

        with trio.fail_after(NETWORK_TIMEOUT):
            response = await server.call("CS-42", "GetVariables", get_variables())
            again = await server.call("CS-42", "GetVariables", get_variables())
        station.cancel_scope.cancel()

    assert isinstance(response, v201.GetVariablesResponse)
    assert [(r.attribute_status, r.attribute_value) for r in response.get_variable_result] == [
        ("Accepted", "300")
    ]
    assert again == response


async def test_call_reports_a_callerror_and_an_unknown_station(nursery: trio.Nursery) -> None:
    server = await start_csms(nursery)

    with pytest.raises(StationNotConnected, match="'nobody'"):
        await server.call("nobody", "Reset", v201.ResetRequest(type="Immediate"))

    async with connect(server.url, "/CS-1") as websocket, trio.open_nursery() as station:
        station.start_soon(
            answer_calls, websocket, lambda frame: [4, frame[1], "NotSupported", "no resets", {}]
        )
        with trio.fail_after(NETWORK_TIMEOUT), pytest.raises(StationCallRefused) as refused:
            await server.call("CS-1", "Reset", v201.ResetRequest(type="Immediate"))
        station.cancel_scope.cancel()

    assert (refused.value.error_code, refused.value.description) == ("NotSupported", "no resets")


async def test_call_times_out_when_the_station_stays_silent(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        server = await start_csms(nursery)
        async with connect(server.url, "/CS-1") as websocket:
            started = trio.current_time()
            with trio.fail_after(60), pytest.raises(StationCallTimeout, match=r"5\.0 s"):
                await server.call("CS-1", "Reset", v201.ResetRequest(type="Immediate"), timeout=5.0)
            assert trio.current_time() - started == pytest.approx(5.0)
            late = (await next_frame(websocket))[1]
            # the late answer is ignored, and the connection still serves
            await websocket.send_message(json.dumps([3, late, {"status": "Accepted"}]))
            assert (await request(websocket, call_frame("h", "Heartbeat", {})))[:2] == [3, "h"]
        nursery.cancel_scope.cancel()
    assert server.ledger.protocol_errors == {}


async def test_response_delay_holds_each_answer_back(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        server = await start_csms(nursery, CsmsConfig(response_delay_s=2.5))
        async with connect(server.url) as websocket:
            sent_at = trio.current_time()
            answer = await request(websocket, call_frame("h", "Heartbeat", {}))
            waited = trio.current_time() - sent_at
        nursery.cancel_scope.cancel()
    assert answer[:2] == [3, "h"]
    assert 2.5 <= waited < 3.0


async def test_many_stations_at_once(nursery: trio.Nursery) -> None:
    server = await start_csms(nursery)
    count = 40

    async def one_station(n: int) -> None:
        async with connect(server.url, f"/CS-{n}") as websocket:
            assert (await request(websocket, call_frame("b", "BootNotification", BOOT)))[0] == 3
            assert (await request(websocket, call_frame("h", "Heartbeat", {})))[0] == 3

    async with trio.open_nursery() as stations:
        for n in range(count):
            stations.start_soon(one_station, n)

    assert len(server.ledger.stations_booted) == count
    assert server.ledger.messages_by_action == {"BootNotification": count, "Heartbeat": count}


async def test_run_csms_prints_the_url_then_the_summary(autojump_clock: trio.testing.MockClock) -> None:
    out = io.StringIO()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(partial(run_csms, CsmsConfig(), "127.0.0.1", 0, out=out))
        with trio.fail_after(NETWORK_TIMEOUT):
            for _ in range(1000):
                if out.getvalue():
                    break
                await trio.sleep(0.01)
        first_line = out.getvalue().splitlines()[0]
        url = first_line.split(" on ", 1)[1].removesuffix("/<station-id>")
        async with connect(url, "/CS-1") as websocket:
            await request(websocket, call_frame("b", "BootNotification", BOOT))
        nursery.cancel_scope.cancel()

    summary = json.loads(out.getvalue().split("\n", 1)[1])
    assert summary["messages_by_action"] == {"BootNotification": 1}
    assert summary["stations_booted"] == 1
