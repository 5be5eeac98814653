"""OCPP-J frames: encode/decode round trips and the error code for each kind of garbage."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import pytest

from fleet.ocpp import (
    Call,
    CallError,
    CallResult,
    ErrorCode,
    RemoteProtocolError,
    decode_frame,
    decode_payload,
    encode_call,
    encode_call_error,
    encode_call_result,
    refusal_message_id,
    v201,
)

BOOT = v201.BootNotificationRequest(
    charging_station=v201.ChargingStation(model="Wallbox-22", vendor_name="Acme"), reason="PowerUp"
)
DETAILS = {"cause": "no such connector", "connector": 3}
BOOT_WIRE = {"chargingStation": {"model": "Wallbox-22", "vendorName": "Acme"}, "reason": "PowerUp"}


def test_call_round_trip() -> None:
    text = encode_call("c-1", "BootNotification", BOOT)
    # camelCase on the wire, UNSET fields omitted rather than sent as null
    assert json.loads(text) == [2, "c-1", "BootNotification", BOOT_WIRE]
    frame = decode_frame(text)
    assert isinstance(frame, Call)
    assert (frame.unique_id, frame.action) == ("c-1", "BootNotification")
    assert decode_payload(frame.payload, v201.BootNotificationRequest, unique_id="c-1", action="x") == BOOT


def test_call_result_round_trip() -> None:
    response = v201.BootNotificationResponse(
        current_time=datetime(2024, 5, 1, 12, 0, tzinfo=UTC), interval=60, status="Accepted"
    )
    text = encode_call_result("c-1", response)
    wire = {"currentTime": "2024-05-01T12:00:00Z", "interval": 60, "status": "Accepted"}
    assert json.loads(text) == [3, "c-1", wire]
    frame = decode_frame(text.encode())
    assert isinstance(frame, CallResult)
    assert frame.unique_id == "c-1"
    decoded = decode_payload(frame.payload, v201.BootNotificationResponse, unique_id="c-1", action="Boot")
    assert decoded == response


@pytest.mark.parametrize(
    ("details", "wire_details"),
    [(None, {}), (DETAILS, DETAILS)],
)
def test_call_error_round_trip(details: dict[str, object] | None, wire_details: dict[str, object]) -> None:
    text = encode_call_error("c-9", ErrorCode.NOT_IMPLEMENTED, "Reset is not supported", details)
    assert json.loads(text) == [4, "c-9", "NotImplemented", "Reset is not supported", wire_details]
    frame = decode_frame(text)
    assert isinstance(frame, CallError)
    assert (frame.unique_id, frame.error_code, frame.error_description) == (
        "c-9",
        "NotImplemented",
        "Reset is not supported",
    )
    assert msgspec.json.decode(frame.error_details) == wire_details


def test_call_error_description_is_cut_to_the_spec_limit() -> None:
    text = encode_call_error("c-9", ErrorCode.GENERIC_ERROR, "d" * 1000)
    assert len(json.loads(text)[3]) == 255


def test_message_id_of_36_characters_is_accepted() -> None:
    frame = decode_frame(json.dumps([2, "i" * 36, "Heartbeat", {}]))
    assert frame.unique_id == "i" * 36


# (frame text, expected error code, expected unique_id so the caller can answer, or None)
GARBAGE = {
    "broken JSON": ('[2, "a1", "Heartbeat", {', ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "not UTF-8": (b"\xff\xfe[2]", ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "JSON object": ('{"id": "a1"}', ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "empty array": ("[]", ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "message type 5": ('[5, "a1", "Heartbeat", {}]', ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "a1"),
    "message type as string": ('["2", "a1", "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK_ERROR, "a1"),
    "message type true": ('[true, "a1", "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK_ERROR, "a1"),
    "message type 2.0": ('[2.0, "a1", "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK_ERROR, "a1"),
    "id too long": (json.dumps([2, "i" * 37, "Heartbeat", {}]), ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "empty id": ('[2, "", "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "id not a string": ('[2, 17, "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "CALL with extra element": ('[2, "a1", "Heartbeat", {}, 1]', ErrorCode.FORMAT_VIOLATION, "a1"),
    "CALL without payload": ('[2, "a1", "Heartbeat"]', ErrorCode.FORMAT_VIOLATION, "a1"),
    "CALLERROR too short": ('[4, "a1", "GenericError", "x"]', ErrorCode.RPC_FRAMEWORK_ERROR, "a1"),
    "invalid UTF-8 in a string": (b'[2, "a\x80", "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "lone surrogate in text": ('[2, "a\ud800", "Heartbeat", {}]', ErrorCode.RPC_FRAMEWORK_ERROR, None),
    "nested too deep": ("[2," + "[" * 5000 + "]" * 5000 + "]", ErrorCode.RPC_FRAMEWORK_ERROR, None),
}


@pytest.mark.parametrize(("data", "code", "unique_id"), GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_frame_gives_its_error_code(
    data: str | bytes, code: ErrorCode, unique_id: str | None
) -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        decode_frame(data)
    assert caught.value.error_code is code
    assert caught.value.unique_id == unique_id
    assert caught.value.message  # says what was wrong


# the id of the CALLERROR that answers each: its own, "-1" when it cannot be read (OCPP 2.0.1
# part 4, 4.2.3), None for a broken CALLRESULT or CALLERROR (never answered)
ANSWERED_UNDER = {
    "broken JSON": "-1",
    "not UTF-8": "-1",
    "JSON object": "-1",
    "empty array": "-1",
    "message type 5": "a1",
    "message type as string": "a1",
    "message type true": "a1",
    "message type 2.0": "a1",
    "id too long": "-1",
    "empty id": "-1",
    "id not a string": "-1",
    "CALL with extra element": "a1",
    "CALL without payload": "a1",
    "CALLERROR too short": None,
    "invalid UTF-8 in a string": "-1",
    "lone surrogate in text": "-1",
    "nested too deep": "-1",
}
BROKEN_ANSWERS = {
    "CALLRESULT with a numeric id": "[3, 17, {}]",
    "CALLRESULT with an id too long": json.dumps([3, "i" * 37, {}]),
    "CALLERROR with an empty id": '[4, "", "GenericError", "", {}]',
    "CALLRESULT without payload": '[3, "a1"]',
}


@pytest.mark.parametrize("name", GARBAGE)
def test_a_refused_frame_is_answered_under_its_id_or_minus_one(name: str) -> None:
    data = GARBAGE[name][0]
    assert isinstance(data, str | bytes)
    assert sorted(ANSWERED_UNDER) == sorted(GARBAGE)
    with pytest.raises(RemoteProtocolError) as caught:
        decode_frame(data)
    assert refusal_message_id(caught.value, data) == ANSWERED_UNDER[name]


@pytest.mark.parametrize("data", BROKEN_ANSWERS.values(), ids=BROKEN_ANSWERS.keys())
def test_a_broken_answer_is_never_answered(data: str) -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        decode_frame(data)
    assert refusal_message_id(caught.value, data) is None


BOOT_PAYLOAD = {"reason": "PowerUp", "chargingStation": {"model": "m", "vendorName": "v"}}
BAD_PAYLOADS = {
    "missing required field": ({"reason": "PowerUp"}, ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION),
    "wrong type": (
        {**BOOT_PAYLOAD, "chargingStation": {"model": 7, "vendorName": "v"}},
        ErrorCode.TYPE_CONSTRAINT_VIOLATION,
    ),
    "payload not an object": ([], ErrorCode.TYPE_CONSTRAINT_VIOLATION),
    "bad enum value": ({**BOOT_PAYLOAD, "reason": "Sneezed"}, ErrorCode.PROPERTY_CONSTRAINT_VIOLATION),
    "string too long": (
        {**BOOT_PAYLOAD, "chargingStation": {"model": "m" * 21, "vendorName": "v"}},
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
    ),
    "unknown field": ({**BOOT_PAYLOAD, "colour": "red"}, ErrorCode.FORMAT_VIOLATION),
}


@pytest.mark.parametrize(("payload", "code"), BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_bad_payload_gives_its_error_code(payload: object, code: ErrorCode) -> None:
    frame = decode_frame(json.dumps([2, "b7", "BootNotification", payload]))
    assert isinstance(frame, Call)
    with pytest.raises(RemoteProtocolError) as caught:
        decode_payload(frame.payload, v201.BootNotificationRequest, unique_id="b7", action="BootNotification")
    assert caught.value.error_code is code
    # the id and action travel with the error so the CALLERROR can be addressed
    assert (caught.value.unique_id, caught.value.action) == ("b7", "BootNotification")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (
            b'{"currentTime": "yesterday", "interval": 60, "status": "Accepted"}',
            ErrorCode.TYPE_CONSTRAINT_VIOLATION,
        ),
        (
            b'{"currentTime": "2024-05-01T12:00:00Z", "interval": 1.5, "status": "Accepted"}',
            ErrorCode.TYPE_CONSTRAINT_VIOLATION,
        ),
        (b'{"currentTime": "2024-05-01T12:00:00Z", "interval": 60', ErrorCode.FORMAT_VIOLATION),
    ],
    ids=["bad date-time", "float for int", "truncated"],
)
def test_bad_response_payload(payload: bytes, code: ErrorCode) -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        decode_payload(payload, v201.BootNotificationResponse, unique_id="r1", action="BootNotification")
    assert caught.value.error_code is code


def test_range_limit_is_a_property_constraint() -> None:
    # stateOfCharge is 0..100 in NotifyEVChargingNeeds' DCChargingParameters
    payload = {
        "evseId": 1,
        "chargingNeeds": {
            "requestedEnergyTransfer": "DC",
            "dcChargingParameters": {"evMaxCurrent": 100, "evMaxVoltage": 400, "stateOfCharge": 101},
        },
    }
    with pytest.raises(RemoteProtocolError) as caught:
        decode_payload(
            json.dumps(payload).encode(),
            v201.NotifyEVChargingNeedsRequest,
            unique_id="n1",
            action="NotifyEVChargingNeeds",
        )
    assert caught.value.error_code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION


def test_invalid_utf8_inside_a_payload_is_a_format_violation() -> None:
    frame = decode_frame(b'[2, "h1", "Heartbeat", {"customData": {"vendorId": "\xff"}}]')
    assert isinstance(frame, Call)
    with pytest.raises(RemoteProtocolError) as caught:
        decode_payload(frame.payload, v201.HeartbeatRequest, unique_id="h1", action="Heartbeat")
    assert caught.value.error_code is ErrorCode.FORMAT_VIOLATION
