"""The error code of a payload that does not decode: from the stage that failed and the rule broken.

The code is chosen by looking at the payload (JSON at all? which rule of the struct does it break?),
never from the wording of msgspec's error message; these tests name one payload per rule.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
import pytest

from fleet.ocpp import OCPP16_ERROR_CODES, ErrorCode, RemoteProtocolError, decode_payload, v16, v201
from fleet.ocpp._payload_errors import payload_error_code

FORMAT = ErrorCode.FORMAT_VIOLATION
OCCURRENCE = ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
TYPE = ErrorCode.TYPE_CONSTRAINT_VIOLATION
PROPERTY = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "m", "vendorName": "v"}}
STATUS = {"timestamp": "2024-05-01T12:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
AUTHORIZE_ANSWER = {"idTokenInfo": {"status": "Accepted"}}


def _code(payload: bytes | object, type_: Any) -> ErrorCode:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    with pytest.raises(RemoteProtocolError) as caught:
        decode_payload(raw, type_, unique_id="u1", action="Test")
    assert payload_error_code(raw, type_) is caught.value.error_code
    return caught.value.error_code


CASES: dict[str, tuple[bytes | object, Any, ErrorCode]] = {
    # stage 1: no JSON at all
    "truncated JSON": (b'{"reason": "PowerUp", "chargingStation": {', v201.BootNotificationRequest, FORMAT),
    "invalid UTF-8 in a string": (b'{"customData": {"vendorId": "\xff"}}', v201.HeartbeatRequest, FORMAT),
    "nested deeper than the decoder allows": (b"[" * 10_000 + b"]" * 10_000, v201.HeartbeatRequest, FORMAT),
    # a type error met before the syntax error is still no JSON: FormatViolation
    "syntax error after a type error": (
        b'{"reason": 5, "chargingStation": ',
        v201.BootNotificationRequest,
        FORMAT,
    ),
    # stage 2: the rule of the struct that the JSON value breaks
    "unknown field": ({**BOOT, "colour": "red"}, v201.BootNotificationRequest, FORMAT),
    "missing required field": ({"reason": "PowerUp"}, v201.BootNotificationRequest, OCCURRENCE),
    "missing nested required field": (
        {"reason": "PowerUp", "chargingStation": {"model": "m"}},
        v201.BootNotificationRequest,
        OCCURRENCE,
    ),
    "payload not an object": ([], v201.BootNotificationRequest, TYPE),
    "string for an int": ({**STATUS, "evseId": "one"}, v201.StatusNotificationRequest, TYPE),
    "float for an int": ({**STATUS, "evseId": 1.5}, v201.StatusNotificationRequest, TYPE),
    "bool for an int": ({**STATUS, "evseId": True}, v201.StatusNotificationRequest, TYPE),
    "null for a required field": ({**STATUS, "evseId": None}, v201.StatusNotificationRequest, TYPE),
    "int for an enumeration": ({**STATUS, "connectorStatus": 3}, v201.StatusNotificationRequest, TYPE),
    "object for a string": (
        {**BOOT, "chargingStation": {"model": {}, "vendorName": "v"}},
        v201.BootNotificationRequest,
        TYPE,
    ),
    "no RFC 3339 date-time": ({**STATUS, "timestamp": "yesterday"}, v201.StatusNotificationRequest, TYPE),
    "date-time without its time zone": (
        {**STATUS, "timestamp": "2024-05-01T12:00:00"},
        v201.StatusNotificationRequest,
        TYPE,
    ),
    "value outside its enumeration": (
        {**STATUS, "connectorStatus": "Lost"},
        v201.StatusNotificationRequest,
        PROPERTY,
    ),
    "string too long": (
        {**BOOT, "chargingStation": {"model": "m" * 21, "vendorName": "v"}},
        v201.BootNotificationRequest,
        PROPERTY,
    ),
    "array too short": (
        {"idTokenInfo": {"status": "Accepted", "evseId": []}},
        v201.AuthorizeResponse,
        PROPERTY,
    ),
    "number out of range": (
        {
            "evseId": 1,
            "chargingNeeds": {
                "requestedEnergyTransfer": "DC",
                "dcChargingParameters": {"evMaxCurrent": 100, "evMaxVoltage": 400, "stateOfCharge": 101},
            },
        },
        v201.NotifyEVChargingNeedsRequest,
        PROPERTY,
    ),
    # the first rule broken in document order decides, missing fields last, as msgspec stops there
    "type error before a missing field": (
        {"chargingStation": {"model": 7}},
        v201.BootNotificationRequest,
        TYPE,
    ),
    "unknown field before a type error": (
        {"colour": "red", "reason": 5, "chargingStation": {"model": "m", "vendorName": "v"}},
        v201.BootNotificationRequest,
        FORMAT,
    ),
    "1.6 struct, string too long": ({"idTag": "x" * 21}, v16.AuthorizeRequest, PROPERTY),
}


@pytest.mark.parametrize(("payload", "type_", "code"), CASES.values(), ids=CASES.keys())
def test_each_broken_rule_gives_its_code(payload: bytes | object, type_: Any, code: ErrorCode) -> None:
    assert _code(payload, type_) is code


def test_unknown_fields_of_an_open_object_are_allowed() -> None:
    # customData takes any vendor fields: only its required vendorId counts
    payload = {**AUTHORIZE_ANSWER, "customData": {"vendorId": "v", "anything": [1, {"x": None}]}}
    decoded = decode_payload(json.dumps(payload).encode(), v201.AuthorizeResponse, unique_id="u", action="A")
    assert decoded.id_token_info.status == "Accepted"
    assert _code({**payload, "customData": {"anything": 1}}, v201.AuthorizeResponse) is OCCURRENCE


def test_1_6_names_the_codes_its_way() -> None:
    raw = json.dumps({"chargePointVendor": "a"}).encode()
    with pytest.raises(RemoteProtocolError) as caught:
        decode_payload(
            raw, v16.BootNotificationRequest, unique_id="u", action="B", error_codes=OCPP16_ERROR_CODES
        )
    assert caught.value.error_code is ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION


# shapes the OCPP structs do not use, checked the same way


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Shapes(msgspec.Struct, forbid_unknown_fields=True):
    either: int | str | None = None
    table: dict[str, Annotated[int, msgspec.Meta(ge=0)]] = {}
    colour: Colour = Colour.RED
    code: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")] = "ABC"
    even: Annotated[int, msgspec.Meta(multiple_of=2)] = 0
    naive: Annotated[datetime, msgspec.Meta(tz=False)] = datetime(2024, 1, 1)
    level: Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)] = 0.5
    kind: Literal["a", "b"] = "a"
    tags: Annotated[set[str], msgspec.Meta(max_length=2)] = set()


SHAPES: dict[str, tuple[dict[str, Any], ErrorCode]] = {
    "union member of no JSON type": ({"either": [1]}, TYPE),
    "dict value out of range": ({"table": {"a": -1}}, PROPERTY),
    "dict not an object": ({"table": [1]}, TYPE),
    "enum value outside the enum": ({"colour": "blue"}, PROPERTY),
    "enum of the wrong type": ({"colour": 1}, TYPE),
    "pattern not matched": ({"code": "abc"}, PROPERTY),
    "not a multiple": ({"even": 3}, PROPERTY),
    "time zone where none is allowed": ({"naive": "2024-01-01T00:00:00Z"}, TYPE),
    "float at an exclusive bound": ({"level": 1.0}, PROPERTY),
    "literal not one of its values": ({"kind": "c"}, PROPERTY),
    "set too long": ({"tags": ["a", "b", "c"]}, PROPERTY),
    "an item before the array's length": ({"tags": ["a", "b", 3]}, TYPE),
}


@pytest.mark.parametrize(("payload", "code"), SHAPES.values(), ids=SHAPES.keys())
def test_other_shapes(payload: dict[str, Any], code: ErrorCode) -> None:
    assert _code(payload, Shapes) is code


def test_valid_shapes_decode() -> None:
    payload = {"either": "x", "table": {"a": 1}, "colour": "green", "code": "XYZ", "even": 4, "kind": "b"}
    decoded = decode_payload(json.dumps(payload).encode(), Shapes, unique_id="u", action="A")
    assert decoded.colour is Colour.GREEN and decoded.either == "x"
