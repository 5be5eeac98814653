"""The third-party CSMS (mobilityhouse `ocpp` library) as a strict OCPP 1.6 peer."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import trio
from trio_websocket import open_websocket_url

from fleet.ocpp import CallError, CallResult, decode_frame, encode_call, v16
from support import OcppSchemaValidator, start_ocpp_lib_csms
from support.instances import build_instance
from support.ocpp_lib_csms import RESPONSES16

WAIT = 10  # seconds for any one network step; generous, the loopback answers in milliseconds
VALIDATOR = OcppSchemaValidator("1.6")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_every_station_initiated_1_6_action_is_answered_schema_valid(tmp_path: Path) -> None:
    frames: list[tuple[str, str]] = []
    with start_ocpp_lib_csms(free_port(), tmp_path) as csms:
        with trio.fail_after(WAIT * 3):
            async with open_websocket_url(csms.station_url("CP-16"), subprotocols=[v16.SUBPROTOCOL]) as ws:
                assert ws.subprotocol == v16.SUBPROTOCOL
                for number, action in enumerate(sorted(RESPONSES16)):
                    call = encode_call(f"m{number}", action, build_instance(v16.ACTIONS[action][0]))
                    await ws.send_message(call)
                    answer = await ws.get_message()
                    assert isinstance(answer, str)
                    frames += [("sent", call), ("received", answer)]
                    assert isinstance(decode_frame(answer), CallResult), answer
                # msgspec does not check limits when encoding, so this reaches the wire: vendor > 20 chars
                too_long = v16.BootNotificationRequest(charge_point_vendor="V" * 21, charge_point_model="M")
                await ws.send_message(encode_call("bad-1", "BootNotification", too_long))
                refused = decode_frame(await ws.get_message())
        summary = csms.summary()

    assert VALIDATOR.validate_stream(frames) == []
    assert isinstance(refused, CallError)
    assert refused.error_code in VALIDATOR.error_codes
    assert summary["messages"] == {action: 2 if action == "BootNotification" else 1 for action in RESPONSES16}
    [violation] = summary["violations"]
    assert (violation["unique_id"], violation["action"]) == ("bad-1", "BootNotification")


async def test_transaction_ids_are_distinct_integers(tmp_path: Path) -> None:
    start = v16.StartTransactionRequest(
        connector_id=1,
        id_tag="TAG-1",
        meter_start=0,
        timestamp=build_instance(v16.HeartbeatResponse).current_time,
    )
    ids = []
    with start_ocpp_lib_csms(free_port(), tmp_path) as csms:
        for station in ("CP-A", "CP-B"):
            with trio.fail_after(WAIT):
                async with open_websocket_url(
                    csms.station_url(station), subprotocols=[v16.SUBPROTOCOL]
                ) as ws:
                    await ws.send_message(encode_call("s1", "StartTransaction", start))
                    answer = await ws.get_message()
            ids.append(json.loads(answer)[2]["transactionId"])
        summary = csms.summary()
    assert len(set(ids)) == 2
    assert all(type(i) is int for i in ids)
    assert summary["violations"] == []
