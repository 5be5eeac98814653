"""Use case B11/B12: Reset without and with an ongoing transaction."""

from __future__ import annotations

from _station_harness import FakeCsms, boot, events_of, make_station

from fleet.ocpp import v201
from fleet.station import RebootRequested, TransactionEnded


def _charging(csms: FakeCsms, now: float) -> str:
    station = csms.station
    station.plug_in(1, now)
    station.present_id_token(1, "CARD-1", "ISO14443", now)
    station.set_ev_demand(1, 7_000.0, None, now)
    csms.answer_all(now)
    tx = station.evse_state(1).transaction_id
    assert tx is not None
    return tx


def _reboot_and_reconnect(csms: FakeCsms, now: float) -> None:
    assert events_of(csms.drain_events(), RebootRequested) == [RebootRequested("RemoteReset")]
    assert not csms.station.is_connected and csms.station.boot_status is None
    csms.station.connected(now)
    assert csms.take("BootNotification").payload["reason"] == "RemoteReset"


def test_on_idle_reset_without_transaction_is_accepted_and_reboots() -> None:
    station = make_station()
    csms = boot(station)
    reply = csms.call("Reset", v201.ResetRequest(type="OnIdle"), now=10.0)
    assert reply[2] == {"status": "Accepted"}
    _reboot_and_reconnect(csms, 20.0)
    csms.assert_schema_valid()


def test_immediate_reset_ends_the_transaction_then_reboots() -> None:
    station = make_station()
    csms = boot(station)
    tx = _charging(csms, 5.0)
    reply = csms.call("Reset", v201.ResetRequest(type="Immediate"), now=100.0)
    assert reply[2] == {"status": "Accepted"}
    ended = csms.take("TransactionEvent")
    assert ended.payload["eventType"] == "Ended"
    assert ended.payload["triggerReason"] == "ResetCommand"
    assert ended.payload["transactionInfo"] == {
        "transactionId": tx,
        "chargingState": ended.payload["transactionInfo"]["chargingState"],
        "stoppedReason": "ImmediateReset",
    }
    assert events_of(csms.events, RebootRequested) == []  # waits for the Ended to be delivered
    csms.answer(ended, now=100.5)
    _reboot_and_reconnect(csms, 110.0)
    csms.assert_schema_valid()


def test_on_idle_reset_with_transaction_is_scheduled_until_it_ends() -> None:
    station = make_station()
    csms = boot(station)
    _charging(csms, 5.0)
    reply = csms.call("Reset", v201.ResetRequest(type="OnIdle"), now=50.0)
    assert reply[2] == {"status": "Scheduled"}
    csms.answer_all(50.0)
    assert events_of(csms.drain_events(), RebootRequested) == []
    station.present_id_token(1, "CARD-1", "ISO14443", 60.0)
    csms.answer_all(60.0)
    events = csms.drain_events()
    assert [e.stopped_reason for e in events_of(events, TransactionEnded)] == ["Local"]
    assert events_of(events, RebootRequested) == [RebootRequested("RemoteReset")]
    station.connected(70.0)
    assert csms.take("BootNotification").payload["reason"] == "RemoteReset"
    csms.assert_schema_valid()


def test_evse_level_reset_is_rejected() -> None:
    csms = boot(make_station())
    reply = csms.call("Reset", v201.ResetRequest(type="Immediate", evse_id=1), now=1.0)
    assert reply[2]["status"] == "Rejected"
    assert events_of(csms.drain_events(), RebootRequested) == []
    csms.assert_schema_valid()
