"""OCPP 1.6 station core: registration, heartbeats, status notifications and a charging session,
every frame the station sends checked against the official 1.6 schemas."""

from __future__ import annotations

from _station16_harness import boot16, charge, csms16, make_station16
from _station_harness import events_of, wall

from fleet.ocpp import v16
from fleet.station import (
    BootStatusChanged,
    ConnectorStatusChanged,
    RequestAnswered,
    TransactionEnded,
    TransactionStarted,
)


def test_boot_sends_the_1_6_boot_notification_then_connector_0_and_each_connector_status() -> None:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    boot = csms.sent_of("BootNotification")[0].payload
    assert boot == {
        "chargePointVendor": "ocpp-fleet",
        "chargePointModel": "SimAC-22",
        "firmwareVersion": "0.1.0",
    }
    statuses = [(c.payload["connectorId"], c.payload["status"]) for c in csms.sent_of("StatusNotification")]
    assert statuses == [(0, "Available"), (1, "Available"), (2, "Available")]
    assert station.subprotocol == "ocpp1.6" and station.boot_status == "Accepted"
    csms.assert_schema_valid()


def test_pending_boot_is_retried_after_the_interval_and_nothing_else_goes_out() -> None:
    station = make_station16()
    csms = csms16(station)
    station.connected(0.0)
    pending = v16.BootNotificationResponse(status="Pending", current_time=wall(0), interval=40)
    csms.answer(csms.take("BootNotification"), pending, now=0.0)
    station.plug_in(1, 1.0)
    assert csms.pending_actions() == []  # no StatusNotification before the boot is accepted
    assert station.next_deadline() == 40.0
    station.handle_timer(40.0)
    csms.answer(csms.take("BootNotification"), now=40.0)
    csms.answer_all(40.0)
    assert [c.payload["status"] for c in csms.sent_of("StatusNotification")] == ["Available", "Preparing"]
    assert [e.status for e in events_of(csms.drain_events(), BootStatusChanged)] == ["Pending", "Accepted"]
    csms.assert_schema_valid()


def test_a_rejected_station_answers_csms_calls_with_security_error() -> None:
    station = make_station16()
    csms = csms16(station)
    station.connected(0.0)
    rejected = v16.BootNotificationResponse(status="Rejected", current_time=wall(0), interval=60)
    csms.answer(csms.take("BootNotification"), rejected, now=0.0)
    reply = csms.call("GetConfiguration", v16.GetConfigurationRequest(), 1.0)
    assert reply[0] == 4 and reply[2] == "SecurityError"
    csms.assert_schema_valid()


def test_heartbeat_interval_comes_from_the_boot_answer_and_fills_silences() -> None:
    station = make_station16()
    csms = csms16(station)
    station.connected(0.0)
    accepted = v16.BootNotificationResponse(status="Accepted", current_time=wall(0), interval=100)
    csms.answer(csms.take("BootNotification"), accepted, now=0.0)
    csms.answer_all(0.0)
    csms.advance(0.0, 350.0)
    beats = csms.sent_of("Heartbeat")
    assert len(beats) == 3  # 100, 200, 300
    assert station.configuration.get("HeartbeatInterval") == "100"
    csms.assert_schema_valid()


def test_a_session_walks_preparing_charging_finishing_available_with_start_stop_and_meter_values() -> None:
    station = make_station16()
    csms = boot16(station)
    transaction_id = charge(station, csms, 10.0)
    start = csms.sent_of("StartTransaction")[0].payload
    assert start["connectorId"] == 1 and start["idTag"] == "TAG-1" and start["meterStart"] == 0
    assert [c.action for c in csms.sent_of("Authorize")] == ["Authorize"]
    csms.advance(10.0, 10.0 + 600.0)  # MeterValueSampleInterval 60 s
    periodic = csms.sent_of("MeterValues")
    assert len(periodic) == 10
    assert all(c.payload["transactionId"] == transaction_id for c in periodic)
    sampled = periodic[-1].payload["meterValue"][0]["sampledValue"]
    by_measurand = {v["measurand"]: v for v in sampled}
    assert set(by_measurand) == {
        "Energy.Active.Import.Register",
        "Power.Active.Import",
        "Current.Import",
        "Voltage",
    }
    assert float(by_measurand["Power.Active.Import"]["value"]) == 11_000.0
    assert float(by_measurand["Energy.Active.Import.Register"]["value"]) == round(11_000.0 * 600 / 3600, 3)
    station.present_id_token(1, "TAG-1", "ISO14443", 910.0)
    csms.answer_all(910.0)
    stop = csms.sent_of("StopTransaction")[0].payload
    assert stop["transactionId"] == transaction_id and stop["reason"] == "Local"
    assert stop["meterStop"] == round(11_000.0 * 900 / 3600)
    contexts = [d["sampledValue"][0]["context"] for d in stop["transactionData"]]
    assert contexts == ["Transaction.Begin", "Transaction.End"]
    station.unplug(1, 920.0)
    csms.answer_all(920.0)
    statuses = [
        c.payload["status"] for c in csms.sent_of("StatusNotification") if c.payload["connectorId"] == 1
    ]
    assert statuses == ["Available", "Preparing", "Charging", "Finishing", "Available"]
    events = csms.drain_events()
    assert len(events_of(events, TransactionStarted)) == 1
    [ended] = events_of(events, TransactionEnded)
    assert ended.stopped_reason == "Local" and round(ended.energy_wh) == 2750
    assert events_of(events, ConnectorStatusChanged)[-1].status == "Available"
    csms.assert_schema_valid()


def test_unplugging_stops_the_transaction_with_ev_disconnected() -> None:
    station = make_station16()
    csms = boot16(station)
    charge(station, csms, 10.0)
    station.unplug(1, 100.0)
    csms.answer_all(100.0)
    assert csms.sent_of("StopTransaction")[0].payload["reason"] == "EVDisconnected"
    assert station.evse_state(1).connector_status == "Available"
    csms.assert_schema_valid()


def test_an_ev_that_stops_drawing_is_suspended_ev_and_an_invalid_tag_is_deauthorized() -> None:
    station = make_station16()
    csms = boot16(station)
    charge(station, csms, 10.0)
    station.set_ev_demand(1, 0.0, 80.0, 20.0)
    csms.answer_all(20.0)
    assert station.evse_state(1).connector_status == "SuspendedEV"
    station.set_ev_demand(1, 7_000.0, 80.0, 30.0)
    csms.answer_all(30.0)
    # a second session whose StartTransaction comes back Invalid ends at once (StopTransactionOnInvalidId)
    station.present_id_token(1, "TAG-1", "ISO14443", 40.0)
    station.unplug(1, 41.0)
    csms.answer_all(41.0)
    station.plug_in(1, 42.0)
    station.present_id_token(1, "BAD-TAG", "ISO14443", 42.0)
    csms.answer_all(42.0, keep=("StartTransaction",))
    start = csms.take("StartTransaction")
    invalid = v16.StartTransactionResponse(id_tag_info=v16.IdTagInfo(status="Invalid"), transaction_id=77)
    csms.answer(start, invalid, now=43.0)
    assert station.authorizations.cache["BAD-TAG"].status == "Invalid"  # the cache learns it
    csms.answer_all(43.0)
    last_stop = csms.sent_of("StopTransaction")[-1].payload
    assert last_stop["transactionId"] == 77 and last_stop["reason"] == "DeAuthorized"
    csms.assert_schema_valid()


def test_data_transfer_both_ways() -> None:
    station = make_station16()
    csms = boot16(station)
    station.register_data_transfer_handler(
        "com.example", lambda request: v16.DataTransferResponse(status="Accepted", data=request.data)
    )
    reply = csms.call("DataTransfer", v16.DataTransferRequest(vendor_id="com.example", data="ping"), 1.0)
    assert reply[2] == {"status": "Accepted", "data": "ping"}
    unknown = csms.call("DataTransfer", v16.DataTransferRequest(vendor_id="other"), 1.0)
    assert unknown[2] == {"status": "UnknownVendorId"}
    station.send_data_transfer("com.example", "hello", {"a": 1}, 2.0)
    sent = csms.take("DataTransfer").payload
    assert sent == {"vendorId": "com.example", "messageId": "hello", "data": '{"a":1}'}
    assert events_of(csms.drain_events(), RequestAnswered)[-1].action == "DataTransfer"
    csms.assert_schema_valid()
