"""Heartbeat, remote start/stop, TriggerMessage, UnlockConnector, unsupported and broken CALLs."""

from __future__ import annotations

import msgspec
import pytest
from _station_harness import boot, events_of, make_station, set_variable, wall

from fleet.ocpp import ErrorCode, RemoteProtocolError, encode_call_result, v201
from fleet.station import CallFailed, RequestAnswered

TOKEN = v201.IdToken(id_token="APP-USER-1", type="Central")


def test_remote_start_without_authorize_remote_start() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 1.0)
    csms.answer_all(1.0)
    request = v201.RequestStartTransactionRequest(id_token=TOKEN, remote_start_id=99, evse_id=1)
    assert csms.call("RequestStartTransaction", request, now=2.0)[2] == {"status": "Accepted"}
    csms.answer_all(2.0)
    assert csms.sent_of("Authorize") == []
    started = csms.sent_of("TransactionEvent")[0].payload
    assert started["triggerReason"] == "RemoteStart"
    assert started["transactionInfo"]["remoteStartId"] == 99
    assert started["idToken"] == {"idToken": "APP-USER-1", "type": "Central"}
    csms.assert_schema_valid()


def test_remote_start_with_authorize_remote_start_asks_the_csms_first() -> None:
    station = make_station()
    set_variable(station, "AuthCtrlr", "AuthorizeRemoteStart", "true")
    csms = boot(station)
    request = v201.RequestStartTransactionRequest(id_token=TOKEN, remote_start_id=5)
    assert csms.call("RequestStartTransaction", request, now=1.0)[2]["status"] == "Accepted"
    csms.answer(csms.take("Authorize"), now=1.0)
    station.plug_in(1, 3.0)
    csms.answer_all(3.0)
    started = csms.sent_of("TransactionEvent")[0].payload
    assert started["transactionInfo"]["remoteStartId"] == 5
    csms.assert_schema_valid()


def test_remote_stop_known_and_unknown_transaction() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    csms.answer_all(1.0)
    tx = station.evse_state(1).transaction_id
    assert tx is not None
    unknown = v201.RequestStopTransactionRequest(transaction_id="not-" + tx[:30])
    assert csms.call("RequestStopTransaction", unknown, now=2.0)[2]["status"] == "Rejected"
    known = v201.RequestStopTransactionRequest(transaction_id=tx)
    assert csms.call("RequestStopTransaction", known, now=3.0)[2] == {"status": "Accepted"}
    csms.answer_all(3.0)
    ended = csms.sent_of("TransactionEvent")[-1].payload
    assert (ended["eventType"], ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "Ended",
        "RemoteStop",
        "Remote",
    )
    csms.assert_schema_valid()


@pytest.mark.parametrize(
    ("message", "evse", "status", "sent"),
    [
        ("Heartbeat", None, "Accepted", ["Heartbeat"]),
        ("StatusNotification", v201.EVSE(id=2, connector_id=1), "Accepted", ["StatusNotification"]),
        ("MeterValues", v201.EVSE(id=1), "Accepted", ["MeterValues"]),
        ("TransactionEvent", v201.EVSE(id=1), "Accepted", ["TransactionEvent"]),
        ("TransactionEvent", v201.EVSE(id=2), "Rejected", []),
        ("LogStatusNotification", None, "Accepted", ["LogStatusNotification"]),
        ("FirmwareStatusNotification", None, "Accepted", ["FirmwareStatusNotification"]),
        ("BootNotification", None, "Rejected", []),  # already accepted
        ("SignChargingStationCertificate", None, "NotImplemented", []),
        ("StatusNotification", v201.EVSE(id=7), "Rejected", []),
    ],
)
def test_trigger_message(
    message: v201.MessageTriggerEnum, evse: v201.EVSE | None, status: str, sent: list[str]
) -> None:
    station = make_station(evse_count=2)
    csms = boot(station)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    csms.answer_all(1.0)
    request = v201.TriggerMessageRequest(requested_message=message, evse=evse if evse else msgspec.UNSET)
    assert csms.call("TriggerMessage", request, now=10.0)[2]["status"] == status
    triggered = csms.answer_all(10.0)
    assert [c.action for c in triggered] == sent
    if message == "TransactionEvent" and sent:
        assert triggered[0].payload["triggerReason"] == "Trigger"
    csms.assert_schema_valid()


def test_unlock_connector() -> None:
    station = make_station()
    csms = boot(station)
    assert (
        csms.call("UnlockConnector", v201.UnlockConnectorRequest(evse_id=3, connector_id=1), now=1.0)[2][
            "status"
        ]
        == "UnknownConnector"
    )
    assert (
        csms.call("UnlockConnector", v201.UnlockConnectorRequest(evse_id=1, connector_id=1), now=1.0)[2][
            "status"
        ]
        == "Unlocked"
    )
    station.plug_in(1, 2.0)
    station.present_id_token(1, "", "NoAuthorization", 2.0)
    csms.answer_all(2.0)
    reply = csms.call("UnlockConnector", v201.UnlockConnectorRequest(evse_id=1, connector_id=1), now=3.0)
    assert reply[2]["status"] == "OngoingAuthorizedTransaction"
    csms.assert_schema_valid()


def test_unsupported_and_unknown_actions_get_call_errors() -> None:
    csms = boot(make_station())
    display = v201.ClearDisplayMessageRequest(id=1)  # display messages are not simulated
    assert csms.call("ClearDisplayMessage", display, now=1.0)[2] == "NotSupported"
    csms._deliver('[2,"x1","FlyToTheMoon",{}]', 1.0)
    assert csms.replies.pop("x1")[2] == "NotImplemented"
    answered = events_of(csms.drain_events(), RequestAnswered)
    assert answered == [
        RequestAnswered("ClearDisplayMessage", "NotSupported"),
        RequestAnswered("FlyToTheMoon", "NotImplemented"),
    ]
    csms.assert_schema_valid()


def test_bad_payload_is_answered_with_the_decoders_code_and_raised() -> None:
    station = make_station()
    csms = boot(station)
    with pytest.raises(RemoteProtocolError) as caught:
        station.receive('[2,"bad1","Reset",{"type":"Sometimes"}]', 1.0)
    frames = station.data_to_send()
    assert frames == [f'[4,"bad1","{caught.value.error_code}",{frames[0].split(",", 3)[3]}']
    assert caught.value.error_code == ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    # still usable
    assert csms.call("Reset", v201.ResetRequest(type="OnIdle"), now=2.0)[2]["status"] == "Accepted"


def test_call_result_for_an_unknown_id_raises_protocol_error_without_events() -> None:
    station = make_station()
    boot(station)
    station.events()
    with pytest.raises(RemoteProtocolError) as caught:
        station.receive(
            encode_call_result("nobody-asked", v201.HeartbeatResponse(current_time=wall(1.0))), 1.0
        )
    assert caught.value.error_code == ErrorCode.PROTOCOL_ERROR
    assert station.events() == [] and station.data_to_send() == []


def test_unanswered_call_times_out_after_message_timeout() -> None:
    station = make_station()
    set_variable(station, "OCPPCommCtrlr", "MessageTimeout", "20", instance="Default")
    csms = boot(station)
    csms.advance(0.0, 300.0, answer=False)
    heartbeat = csms.take("Heartbeat")
    csms.advance(300.0, 320.0, answer=False)
    failed = events_of(csms.drain_events(), CallFailed)
    assert [(f.action, f.unique_id, f.error_code, f.intended_at, f.completed_at) for f in failed] == [
        ("Heartbeat", heartbeat.unique_id, "Timeout", 300.0, 320.0)
    ]
    # the late answer is ignored quietly: a slow CSMS is not a broken one
    csms.answer(heartbeat, now=325.0)
    assert events_of(csms.drain_events(), CallFailed) == []
