"""The third-party CSMS (mobilityhouse `ocpp` library) used as the real peer in tests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import msgspec
import pytest
import trio
from trio_websocket import ConnectionRejected, WebSocketConnection, open_websocket_url

from fleet.ocpp import CallError, CallResult, Frame, decode_frame, decode_payload, encode_call, v201
from support import CsmsProcessError, OcppSchemaValidator, start_ocpp_lib_csms
from support.instances import build_instance
from support.ocpp_lib_csms import RESPONSES

WAIT = 10  # seconds for any one network step; generous, the loopback answers in milliseconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def station(url: str) -> AsyncIterator[WebSocketConnection]:
    with trio.fail_after(WAIT):
        async with open_websocket_url(url, subprotocols=[v201.SUBPROTOCOL]) as ws:
            assert ws.subprotocol == v201.SUBPROTOCOL
            yield ws


async def exchange(ws: WebSocketConnection, frame: str) -> str:
    with trio.fail_after(WAIT):
        await ws.send_message(frame)
        answer = await ws.get_message()
    assert isinstance(answer, str)
    return answer


async def ask(ws: WebSocketConnection, unique_id: str, action: str, payload: msgspec.Struct) -> Frame:
    return decode_frame(await exchange(ws, encode_call(unique_id, action, payload)))


def boot(model: str) -> v201.BootNotificationRequest:
    return v201.BootNotificationRequest(
        charging_station=v201.ChargingStation(model=model, vendor_name="Acme"), reason="PowerUp"
    )


async def test_valid_boot_is_accepted_and_a_schema_violation_is_recorded(tmp_path: Path) -> None:
    with start_ocpp_lib_csms(free_port(), tmp_path) as csms:
        async with station(csms.station_url("CS-1")) as ws:
            accepted = await ask(ws, "boot-1", "BootNotification", boot("Wallbox"))
            assert isinstance(accepted, CallResult)
            assert accepted.unique_id == "boot-1"
            response = decode_payload(
                accepted.payload, v201.BootNotificationResponse, unique_id="boot-1", action="BootNotification"
            )
            assert (response.status, response.interval) == ("Accepted", 60)
            assert response.current_time.tzinfo is not None

            # msgspec does not check limits when encoding, so this reaches the wire: model > 20 chars
            rejected = await ask(ws, "boot-2", "BootNotification", boot("M" * 21))
            assert isinstance(rejected, CallError)
            assert rejected.unique_id == "boot-2"
        summary = csms.summary()

    assert summary["messages"] == {"BootNotification": 2}
    assert summary["stations"] == 1
    [violation] = summary["violations"]
    assert violation["station"] == "CS-1"
    assert violation["action"] == "BootNotification"
    assert violation["unique_id"] == "boot-2"
    assert violation["error_code"] == rejected.error_code
    assert "is too long" in violation["detail"]


async def test_every_station_initiated_action_gets_a_schema_valid_answer(tmp_path: Path) -> None:
    schemas = OcppSchemaValidator("2.0.1")
    conversation: list[tuple[str, str]] = []
    with start_ocpp_lib_csms(free_port(), tmp_path) as csms:
        async with station(csms.station_url("CS-all")) as ws:
            for number, (action, full) in enumerate((a, f) for a in sorted(RESPONSES) for f in (False, True)):
                request_type, response_type = v201.ACTIONS[action]
                call = encode_call(f"m{number}", action, build_instance(request_type, full=full))
                answer = await exchange(ws, call)
                conversation += [("sent", call), ("received", answer)]
                frame = decode_frame(answer)
                assert isinstance(frame, CallResult), f"{action}: {answer}"
                decode_payload(frame.payload, response_type, unique_id=frame.unique_id, action=action)
        summary = csms.summary()

    assert schemas.validate_stream(conversation) == []
    assert summary["violations"] == []
    assert summary["messages"] == {action: 2 for action in RESPONSES}
    # Authorize (twice) and the TransactionEvent that carries an idToken (the full one) are authorised
    answers = [text for direction, text in conversation if direction == "received"]
    authorised = [text for text in answers if "idTokenInfo" in text]
    assert len(authorised) == 3
    assert all('"status":"Accepted"' in text for text in authorised)


REFUSALS = [
    ("/ocpp/CS-9", ["ocpp1.5"], 400),  # a subprotocol it does not speak
    ("/elsewhere/CS-9", [v201.SUBPROTOCOL], 404),  # wrong path
    ("/ocpp/", [v201.SUBPROTOCOL], 404),  # no station id
]


async def test_handshake_refusals_are_recorded(tmp_path: Path) -> None:
    statuses = []
    with start_ocpp_lib_csms(free_port(), tmp_path) as csms:
        for path, subprotocols, _ in REFUSALS:
            with pytest.raises(ConnectionRejected) as caught, trio.fail_after(WAIT):
                async with open_websocket_url(f"ws://127.0.0.1:{csms.port}{path}", subprotocols=subprotocols):
                    pass
            statuses.append(caught.value.status_code)
        summary = csms.summary()
    assert statuses == [status for _, _, status in REFUSALS]
    assert summary["stations"] == 0
    assert [v["error_code"] for v in summary["violations"]] == ["Handshake"] * len(REFUSALS)


async def test_garbage_and_stray_answers_are_recorded_and_the_session_goes_on(tmp_path: Path) -> None:
    with start_ocpp_lib_csms(free_port(), tmp_path) as csms:
        async with station(csms.station_url("CS-2")) as ws:
            with trio.fail_after(WAIT):
                await ws.send_message("this is not OCPP")
                await ws.send_message(msgspec.json.encode([3, "never-asked", {}]).decode())
            heartbeat = await ask(ws, "h1", "Heartbeat", v201.HeartbeatRequest())
            assert isinstance(heartbeat, CallResult)
            unsupported = decode_frame(await exchange(ws, '[2, "x1", "Teleport", {}]'))
            assert isinstance(unsupported, CallError)
        summary = csms.summary()
    assert summary["messages"] == {"Heartbeat": 1, "Teleport": 1}
    details = [(v["unique_id"], v["error_code"]) for v in summary["violations"]]
    assert details[1:] == [("never-asked", "ProtocolError"), ("x1", unsupported.error_code)]
    assert details[0][0] is None  # the garbage had no id to name


def test_summary_is_written_when_the_time_limit_passes(tmp_path: Path) -> None:
    # the CSMS must stop by itself: a forgotten one cannot outlive its --max-seconds
    with start_ocpp_lib_csms(0, tmp_path, max_seconds=0.2) as csms:
        assert csms.process.wait(timeout=WAIT) == 0
        summary = csms.summary()
    assert summary["stopped_by"] == "max-seconds"
    assert summary["messages"] == {}


def test_a_csms_that_cannot_start_says_why(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with (
            pytest.raises(CsmsProcessError, match="exited during startup") as caught,
            start_ocpp_lib_csms(taken.getsockname()[1], tmp_path),
        ):
            pytest.fail("the CSMS cannot listen on a port in use")
    assert "address already in use" in str(caught.value).lower()
