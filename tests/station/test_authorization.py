"""Use case C01-C04: RFID, start button, PIN code; refused authorization."""

from __future__ import annotations

from _station_harness import boot, events_of, make_station, set_variable

from fleet.ocpp import v201
from fleet.station import TransactionEnded, TransactionStarted


def test_rfid_card_is_authorized_by_the_csms_before_the_transaction_starts() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 10.0)
    csms.answer_all(10.0)
    station.present_id_token(1, "04A1B2C3", "ISO14443", 12.0)
    authorize = csms.take("Authorize")
    assert authorize.payload == {"idToken": {"idToken": "04A1B2C3", "type": "ISO14443"}}
    assert csms.sent_of("TransactionEvent") == []
    csms.answer(authorize, now=12.2)
    started = csms.take("TransactionEvent").payload
    assert started["eventType"] == "Started"
    assert started["idToken"] == {"idToken": "04A1B2C3", "type": "ISO14443"}
    assert started["triggerReason"] == "Authorized"
    csms.assert_schema_valid()


def test_start_button_needs_no_authorize_message() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 10.0)
    station.present_id_token(1, "", "NoAuthorization", 11.0)
    actions = [call.action for call in csms.answer_all(11.0)]
    assert "Authorize" not in actions
    started = csms.sent_of("TransactionEvent")[0].payload
    assert started["idToken"] == {"idToken": "", "type": "NoAuthorization"}
    assert len(events_of(csms.drain_events(), TransactionStarted)) == 1
    csms.assert_schema_valid()


def test_pin_code_is_authorized_as_key_code() -> None:
    station = make_station()
    csms = boot(station)
    station.present_id_token(1, "4711", "KeyCode", 10.0)
    csms.answer(csms.take("Authorize"), now=10.0)
    station.plug_in(1, 15.0)
    csms.answer_all(15.0)
    started = csms.sent_of("TransactionEvent")[0].payload
    assert started["idToken"]["type"] == "KeyCode"
    assert started["triggerReason"] == "CablePluggedIn"  # PowerPathClosed: the plug closed it
    csms.assert_schema_valid()


def test_refused_authorization_starts_no_transaction() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 10.0)
    csms.answer_all(10.0)
    station.present_id_token(1, "BLOCKED", "ISO14443", 11.0)
    refused = v201.AuthorizeResponse(id_token_info=v201.IdTokenInfo(status="Blocked"))
    csms.answer(csms.take("Authorize"), refused, now=11.0)
    csms.answer_all(11.0)
    assert csms.sent_of("TransactionEvent") == []
    assert station.evse_state(1).transaction_id is None
    csms.assert_schema_valid()


def test_refused_authorization_ends_a_transaction_started_by_the_cable() -> None:
    station = make_station()
    set_variable(station, "TxCtrlr", "TxStartPoint", "EVConnected")
    csms = boot(station)
    station.plug_in(1, 10.0)
    csms.answer_all(10.0)
    started = csms.sent_of("TransactionEvent")[0].payload
    assert started["triggerReason"] == "CablePluggedIn" and "idToken" not in started
    station.present_id_token(1, "EXPIRED", "ISO14443", 12.0)
    expired = v201.AuthorizeResponse(id_token_info=v201.IdTokenInfo(status="Expired"))
    csms.answer(csms.take("Authorize"), expired, now=12.0)
    ended = csms.take("TransactionEvent").payload
    assert (ended["eventType"], ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "Ended",
        "Deauthorized",
        "DeAuthorized",
    )
    assert events_of(csms.drain_events(), TransactionEnded)[0].stopped_reason == "DeAuthorized"
    csms.assert_schema_valid()
