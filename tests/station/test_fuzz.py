"""Property tests: garbage and mutated frames give events or RemoteProtocolError, nothing else,
and whatever the station answers still validates against the official schemas."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import msgspec
from _station_harness import FakeCsms, boot, make_station
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.ocpp import RemoteProtocolError, v201
from fleet.station import Station
from support import OcppSchemaValidator
from support.instances import build_instance

CSMS_ACTIONS = [
    "GetVariables",
    "SetVariables",
    "GetBaseReport",
    "Reset",
    "ChangeAvailability",
    "RequestStartTransaction",
    "RequestStopTransaction",
    "TriggerMessage",
    "UnlockConnector",
    "DataTransfer",
    "ClearCache",
]
JSON_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)
FUZZ = settings(max_examples=150, deadline=None)


def _mutate(value: Any, data: st.DataObject, depth: int = 0) -> Any:
    """Delete, retype or garble one field somewhere inside a JSON value."""
    if isinstance(value, dict) and value and depth < 4:
        key = data.draw(st.sampled_from(sorted(value)))
        how = data.draw(st.sampled_from(["delete", "retype", "descend", "add"]))
        copy = dict(value)
        if how == "delete":
            del copy[key]
        elif how == "retype":
            copy[key] = data.draw(JSON_JUNK)
        elif how == "add":
            copy[data.draw(st.text(min_size=1, max_size=10))] = data.draw(JSON_JUNK)
        else:
            copy[key] = _mutate(copy[key], data, depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 4:
        index = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
        items = list(value)
        items[index] = _mutate(items[index], data, depth + 1)
        return items
    return data.draw(JSON_JUNK)


def _feed(station: Station, csms: FakeCsms, text: str, now: float) -> None:
    csms.log.append(("received", text))
    with contextlib.suppress(RemoteProtocolError):  # the one exception allowed
        station.receive(text, now)
    csms.pump()


def _charging_station() -> tuple[Station, FakeCsms]:
    station = make_station(evse_count=2)
    csms = boot(station)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    csms.answer_all(1.0)
    return station, csms


def _assert_replies_valid(csms: FakeCsms) -> None:
    violations = OcppSchemaValidator().validate_stream(csms.log, directions=("sent",))
    assert violations == []


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_never_raise_anything_but_remote_protocol_error(data: bytes) -> None:
    station, csms = _charging_station()
    _feed(station, csms, data.decode("utf-8", "replace"), 2.0)
    with contextlib.suppress(RemoteProtocolError):
        station.receive(data, 2.0)
    station.data_to_send()  # replies to raw bytes are not logged (the log holds text only)
    station.events()


@FUZZ
@given(st.sampled_from(CSMS_ACTIONS), st.data())
def test_mutated_csms_calls_get_valid_replies(action: str, data: st.DataObject) -> None:
    station, csms = _charging_station()
    request = build_instance(v201.ACTIONS[action][0], full=data.draw(st.booleans()))
    payload = json.loads(json.dumps(v201_to_json(request)))
    mutated = _mutate(payload, data) if data.draw(st.booleans()) else payload
    _feed(station, csms, json.dumps([2, "fz-1", action, mutated]), 2.0)
    csms.answer_all(3.0)
    _assert_replies_valid(csms)
    # still alive: a well-formed request is answered afterwards
    _feed(station, csms, json.dumps([2, "fz-2", "Reset", {"type": "OnIdle"}]), 4.0)
    assert csms.replies["fz-2"][0] == 3


@FUZZ
@given(st.data())
def test_mutated_call_results_for_pending_calls_give_events_or_remote_protocol_error(
    data: st.DataObject,
) -> None:
    station, csms = _charging_station()
    station.plug_in(2, 2.0)
    station.present_id_token(2, "CARD", "ISO14443", 2.0)
    for _ in range(3):
        pending = csms.pending_actions()
        if not pending:
            break
        call = csms.pending[0]
        csms.pending.remove(call)
        response = build_instance(v201.ACTIONS[call.action][1], full=data.draw(st.booleans()))
        payload = _mutate(v201_to_json(response), data)
        envelope = data.draw(st.sampled_from(["result", "error", "garbled"]))
        if envelope == "result":
            text = json.dumps([3, call.unique_id, payload])
        elif envelope == "error":
            text = json.dumps([4, call.unique_id, data.draw(st.text(max_size=20)), "x", {}])
        else:
            text = json.dumps([3, call.unique_id, payload, data.draw(JSON_JUNK)])
        _feed(station, csms, text, 3.0)
    csms.advance(3.0, 400.0)
    _assert_replies_valid(csms)


def v201_to_json(struct: Any) -> Any:
    return json.loads(msgspec.json.encode(struct))
