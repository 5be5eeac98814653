"""Garbage from a station is refused, never raised; CSMS-initiated calls are matched to their answers."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from _csms_frames import (
    JSON_VALUES,
    STATION_TO_CSMS,
    assert_any_input_is_answered_well,
    call_frame,
    example_request,
    get_variables,
    parse,
)
from hypothesis import given
from hypothesis import strategies as st

from fleet.csms import (
    CsmsCallError,
    CsmsCallResult,
    CsmsConfig,
    CsmsSession,
    Ledger,
    ProtocolViolation,
)
from fleet.ocpp import LocalProtocolError, v201
from support import OcppSchemaValidator

NOW = 1_714_564_800.0
SCHEMAS = OcppSchemaValidator()


def new_session(ledger: Ledger | None = None) -> CsmsSession:
    return CsmsSession("CS-1", CsmsConfig(), ledger or Ledger(), random.Random(1))


def answer_to(session: CsmsSession, data: str | bytes) -> list[Any] | None:
    session.receive(data, NOW)
    out = session.data_to_send()
    assert len(out) <= 1, out
    return parse(out[0]) if out else None


# -- refusing bad frames ---------------------------------------------------------------------------


def test_random_bytes_are_counted_but_not_answered_when_no_id_is_readable() -> None:
    ledger = Ledger()
    session = new_session(ledger)
    rng = random.Random(42)
    for _ in range(50):
        garbage = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 64)))
        assert answer_to(session, b"\x00" + garbage) is None
    assert ledger.protocol_errors == {"RpcFrameworkError": 50}
    events = session.events()
    assert len(events) == 50
    assert all(isinstance(e, ProtocolViolation) and not e.answered for e in events)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (call_frame("u1", "FlyToTheMoon", {}), "NotImplemented"),
        (call_frame("u2", "Heartbeat", {"bogus": 1}), "FormatViolation"),
        (
            call_frame("u3", "StatusNotification", {"timestamp": "2024-05-01T12:00:00Z"}),
            "OccurrenceConstraintViolation",
        ),
        (
            call_frame(
                "u4",
                "StatusNotification",
                {
                    "timestamp": "2024-05-01T12:00:00Z",
                    "connectorStatus": "Available",
                    "evseId": "one",
                    "connectorId": 1,
                },
            ),
            "TypeConstraintViolation",
        ),
        (
            call_frame(
                "u5",
                "StatusNotification",
                {
                    "timestamp": "2024-05-01T12:00:00Z",
                    "connectorStatus": "Lost",
                    "evseId": 1,
                    "connectorId": 1,
                },
            ),
            "PropertyConstraintViolation",
        ),
        ('[2, "u6", "Heartbeat"]', "FormatViolation"),
        ('[7, "u7", "Heartbeat", {}]', "MessageTypeNotSupported"),
        (b'[2, "u8", "Heartbeat", {"customData": {"vendorId": "\xff"}}]', "FormatViolation"),
    ],
    ids=[
        "unknown-action",
        "unknown-field",
        "missing-field",
        "wrong-type",
        "bad-enum",
        "short",
        "type-7",
        "utf8",
    ],
)
def test_a_bad_call_gets_a_callerror_with_the_matching_code(frame: str | bytes, code: str) -> None:
    ledger = Ledger()
    session = new_session(ledger)

    answer = answer_to(session, frame)

    assert answer is not None and answer[0] == 4
    assert answer[2] == code
    assert isinstance(answer[3], str) and len(answer[3]) <= 255
    assert ledger.protocol_errors == {code: 1}
    assert ledger.messages_by_action == {}
    # the session keeps serving
    assert answer_to(session, call_frame("next", "Heartbeat", {})) is not None


def test_a_broken_answer_frame_is_never_answered_with_a_callerror() -> None:
    session = new_session()
    for frame in ('[3, "x"]', '[4, "x", "GenericError"]', '[3, "x", {}, "extra"]'):
        assert answer_to(session, frame) is None
    assert [e.code for e in session.events() if isinstance(e, ProtocolViolation)] == ["RpcFrameworkError"] * 3


def test_text_with_lone_surrogates_is_refused_without_an_answer() -> None:
    # wsproto never hands these over, but a Python caller of the sans-IO session can
    session = new_session()
    assert answer_to(session, '[2, "id\ud800", "Heartbeat", {}]') is None
    assert answer_to(session, '[2, "id", "Heartbeat", {"customData": {"vendorId": "\udc00"}}]') is None
    assert all(isinstance(e, ProtocolViolation) for e in session.events())


def test_an_answer_to_nothing_is_a_protocol_violation() -> None:
    ledger = Ledger()
    session = new_session(ledger)

    assert answer_to(session, '[3, "never-sent", {}]') is None

    [event] = session.events()
    assert isinstance(event, ProtocolViolation) and event.code == "ProtocolError"
    assert ledger.protocol_errors == {"ProtocolError": 1}


# -- CSMS-initiated calls --------------------------------------------------------------------------


def test_a_csms_call_is_matched_to_its_result() -> None:
    session = new_session()
    unique_id = session.call("GetVariables", get_variables(), NOW)
    [sent] = session.data_to_send()
    frame = parse(sent)
    assert frame[:3] == [2, unique_id, "GetVariables"]
    assert SCHEMAS.validate_payload("GetVariables", "request", frame[3]) == []
    assert session.pending_calls() == {unique_id: "GetVariables"}

    result = {
        "getVariableResult": [
            {
                "attributeStatus": "Accepted",
                "attributeValue": "300",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            }
        ]
    }
    assert answer_to(session, json.dumps([3, unique_id, result])) is None

    [event] = session.events()
    assert isinstance(event, CsmsCallResult) and event.unique_id == unique_id
    assert isinstance(event.payload, v201.GetVariablesResponse)
    assert event.payload.get_variable_result[0].attribute_value == "300"
    assert session.pending_calls() == {}


def test_a_csms_call_answered_with_callerror_or_a_bad_payload_is_reported() -> None:
    session = new_session()
    first = session.call("Reset", v201.ResetRequest(type="Immediate"), NOW)
    session.receive(json.dumps([4, first, "NotSupported", "no resets here", {}]), NOW)
    second = session.call("Reset", v201.ResetRequest(type="OnIdle"), NOW)
    session.receive(json.dumps([3, second, {"status": "Perhaps"}]), NOW)

    errors = session.events()
    assert errors == [
        CsmsCallError(first, "Reset", "NotSupported", "no resets here"),
        CsmsCallError(second, "Reset", "PropertyConstraintViolation", errors[1].description),  # type: ignore[union-attr]
    ]
    assert "status" in errors[1].description  # type: ignore[union-attr]
    assert len(session.data_to_send()) == 2  # the two CALLs; an answer is never answered


def test_calls_get_distinct_ids_and_a_late_answer_to_an_abandoned_call_is_ignored() -> None:
    session = new_session()
    ids = [session.call("Reset", v201.ResetRequest(type="Immediate"), NOW) for _ in range(5)]
    assert len(set(ids)) == 5
    session.abandon_call(ids[0])

    session.receive(json.dumps([3, ids[0], {"status": "Accepted"}]), NOW)

    assert session.events() == []
    assert set(session.pending_calls()) == set(ids[1:])


def test_calling_with_a_station_action_or_the_wrong_payload_is_a_local_error() -> None:
    session = new_session()
    with pytest.raises(LocalProtocolError, match="Heartbeat"):
        session.call("Heartbeat", v201.HeartbeatRequest(), NOW)
    with pytest.raises(LocalProtocolError, match="ResetRequest"):
        session.call("Reset", get_variables(), NOW)
    assert session.data_to_send() == []


# -- property: garbage in, well-formed OCPP-J out, nothing raised ----------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated_frames(draw: st.DrawFn) -> str | bytes:
    action = draw(st.sampled_from(STATION_TO_CSMS))
    frame: Any = [
        2,
        draw(st.text(min_size=1, max_size=36)),
        action,
        example_request(action, with_optional=draw(st.booleans())),
    ]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(frame)))
        if not path:
            continue
        parent = frame
        for step in path[:-1]:
            parent = parent[step]
        how = draw(st.sampled_from(["replace", "delete", "add"]))
        if how == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
        elif how == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(JSON_VALUES)
        else:
            parent.append(draw(JSON_VALUES))
    text = json.dumps(frame)
    if draw(st.integers(0, 3)) > 0:  # mostly keep it parseable, to reach the payload checks
        return text
    # byte-level damage: cut, splice or flip
    data = bytearray(text.encode())
    position = draw(st.integers(0, len(data)))
    damage = draw(st.sampled_from(["cut", "splice", "flip"]))
    if damage == "cut":
        return bytes(data[:position])
    if damage == "splice":
        return bytes(data[:position]) + draw(st.binary(max_size=8)) + bytes(data[position:])
    if position < len(data):
        data[position] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


@given(st.binary(max_size=200) | st.text(max_size=200) | mutated_frames())
def test_any_input_gives_well_formed_replies_and_never_raises(data: str | bytes) -> None:
    assert_any_input_is_answered_well(new_session(), data, SCHEMAS, NOW)
