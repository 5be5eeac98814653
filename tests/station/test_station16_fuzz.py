"""Property tests for the OCPP 1.6 core: garbage and mutated frames give events or
RemoteProtocolError, nothing else, and whatever the station answers meets the 1.6 schemas."""

from __future__ import annotations

import contextlib
import json

from _station16_harness import boot16, default_response16, make_station16
from _station_harness import FakeCsms
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.ocpp import RemoteProtocolError, encode_call_result, v16
from fleet.station import Station16
from support.fuzzing import maybe_mutated_call

# every action a 1.6 Central System may send in the core profiles (security extension excluded)
CSMS_ACTIONS = sorted(
    {
        "CancelReservation",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "ClearChargingProfile",
        "DataTransfer",
        "GetCompositeSchedule",
        "GetConfiguration",
        "GetDiagnostics",
        "GetLocalListVersion",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "TriggerMessage",
        "UnlockConnector",
        "UpdateFirmware",
    }
)
FUZZ = settings(max_examples=150, deadline=None)


def _settle(station: Station16, csms: FakeCsms, now: float, until: float) -> None:
    """Answer what the station sends and run its timers to ``until``; a station that rebooted
    (Reset, UpdateFirmware) refuses answers to calls that died with the line: that is allowed."""
    for _ in range(2_000):
        csms.pump()
        if csms.pending:
            call = csms.pending.pop(0)
            csms.feed_untrusted(encode_call_result(call.unique_id, default_response16(call, now)), now)
            continue
        deadline = station.next_deadline()
        if deadline is None or deadline > until:
            return
        now = max(now, deadline)
        station.handle_timer(now)
    raise AssertionError("the station kept sending or its timers kept firing")


def _charging_station() -> tuple[Station16, FakeCsms]:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    station.plug_in(1, 1.0)
    station.set_ev_demand(1, 11_000.0, None, 1.0)
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
    for frame in station.data_to_send():
        if frame.startswith("[4"):
            assert json.loads(frame)[2] in {"FormationViolation", "ProtocolError", "GenericError"}


@FUZZ
@given(st.sampled_from(CSMS_ACTIONS), st.data())
def test_mutated_csms_calls_get_schema_valid_replies_with_1_6_error_codes(
    action: str, data: st.DataObject
) -> None:
    station, csms = _charging_station()
    csms.feed_untrusted(maybe_mutated_call("fz-1", action, v16.ACTIONS[action][0], data), 2.0)
    _settle(station, csms, 3.0, 200.0)
    csms.assert_schema_valid()
    reply = csms.replies.get("fz-1")
    if reply is not None and reply[0] == 4:
        assert reply[2] not in {"FormatViolation", "OccurrenceConstraintViolation", "RpcFrameworkError"}
    # still alive: a well-formed request is answered afterwards
    csms.feed_untrusted(json.dumps([2, "fz-2", "GetLocalListVersion", {}]), 300.0)
    if station.is_connected:
        assert csms.replies["fz-2"][0] == 3


@FUZZ
@given(st.data())
def test_mutated_answers_to_pending_calls_give_events_or_remote_protocol_error(data: st.DataObject) -> None:
    station, csms = _charging_station()
    station.plug_in(2, 2.0)
    station.present_id_token(2, "CARD", "ISO14443", 2.0)
    csms.answer_pending_mutated(data, 3.0)
    _settle(station, csms, 3.0, 400.0)
    csms.assert_schema_valid()
