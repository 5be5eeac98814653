"""Property tests: garbage and mutated frames give events or RemoteProtocolError, nothing else,
and whatever the station answers still validates against the official schemas."""

from __future__ import annotations

import contextlib
import json

from _station_harness import FakeCsms, boot, make_station
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.ocpp import RemoteProtocolError, v201
from fleet.station import Station
from support.fuzzing import maybe_mutated_call

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
FUZZ = settings(max_examples=150, deadline=None)


def _charging_station() -> tuple[Station, FakeCsms]:
    station = make_station(evse_count=2)
    csms = boot(station)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    csms.answer_all(1.0)
    return station, csms


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_never_raise_anything_but_remote_protocol_error(data: bytes) -> None:
    station, csms = _charging_station()
    csms.feed_untrusted(data.decode("utf-8", "replace"), 2.0)
    with contextlib.suppress(RemoteProtocolError):
        station.receive(data, 2.0)
    station.data_to_send()  # replies to raw bytes are not logged (the log holds text only)
    station.events()


@FUZZ
@given(st.sampled_from(CSMS_ACTIONS), st.data())
def test_mutated_csms_calls_get_valid_replies(action: str, data: st.DataObject) -> None:
    _, csms = _charging_station()
    csms.feed_untrusted(maybe_mutated_call("fz-1", action, v201.ACTIONS[action][0], data), 2.0)
    csms.answer_all(3.0)
    csms.assert_schema_valid()
    # still alive: a well-formed request is answered afterwards
    csms.feed_untrusted(json.dumps([2, "fz-2", "Reset", {"type": "OnIdle"}]), 4.0)
    assert csms.replies["fz-2"][0] == 3


@FUZZ
@given(st.data())
def test_mutated_call_results_for_pending_calls_give_events_or_remote_protocol_error(
    data: st.DataObject,
) -> None:
    station, csms = _charging_station()
    station.plug_in(2, 2.0)
    station.present_id_token(2, "CARD", "ISO14443", 2.0)
    csms.answer_pending_mutated(data, 3.0)
    csms.advance(3.0, 400.0)
    csms.assert_schema_valid()
