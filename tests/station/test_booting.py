"""Use case B01-B04: registering with the CSMS, and an idle station going offline and back."""

from __future__ import annotations

from _station_harness import FakeCsms, boot, events_of, make_station, wall

from fleet.ocpp import v201
from fleet.station import BootStatusChanged, CallFailed


def test_cold_boot_accepted_then_status_per_connector_and_heartbeats_at_the_given_interval() -> None:
    station = make_station(evse_count=2)
    csms = FakeCsms(station)
    station.connected(0.0)
    boot_call = csms.take("BootNotification")
    assert boot_call.payload["reason"] == "PowerUp"
    assert boot_call.payload["chargingStation"]["model"] == station.config.model
    csms.answer(
        boot_call,
        v201.BootNotificationResponse(current_time=wall(0), interval=120, status="Accepted"),
        now=1.0,
    )

    statuses = [call.payload for call in csms.answer_all(1.0)]
    assert [(s["evseId"], s["connectorId"], s["connectorStatus"]) for s in statuses] == [
        (1, 1, "Available"),
        (2, 1, "Available"),
    ]
    assert station.boot_status == "Accepted"
    assert events_of(csms.drain_events(), BootStatusChanged) == [BootStatusChanged("Accepted", 120)]
    assert station.device_model.get("OCPPCommCtrlr", "HeartbeatInterval") == "120"

    csms.advance(1.0, 1.0 + 3 * 120)
    heartbeats = csms.sent_of("Heartbeat")
    assert len(heartbeats) == 3
    csms.assert_schema_valid()


def test_pending_boot_retries_after_interval_and_answers_csms_requests_meanwhile() -> None:
    station = make_station()
    csms = FakeCsms(station)
    station.connected(0.0)
    pending = v201.BootNotificationResponse(current_time=wall(0), interval=30, status="Pending")
    csms.answer(csms.take("BootNotification"), pending, now=0.0)
    assert station.boot_status == "Pending"
    assert csms.pending_actions() == []  # nothing but answers while Pending

    get = v201.GetVariablesRequest(
        get_variable_data=[
            v201.GetVariableData(
                component=v201.Component(name="OCPPCommCtrlr"),
                variable=v201.Variable(name="HeartbeatInterval"),
            )
        ]
    )
    reply = csms.call("GetVariables", get, now=5.0)
    assert reply[0] == 3 and reply[2]["getVariableResult"][0]["attributeStatus"] == "Accepted"

    report = csms.call(
        "GetBaseReport", v201.GetBaseReportRequest(request_id=4, report_base="SummaryInventory"), now=6.0
    )
    assert reply[0] == 3 and report[2]["status"] == "Accepted"
    assert csms.pending_actions() == ["NotifyReport"]  # what the CSMS asked for may go out
    csms.answer_all(6.0)

    trigger = csms.call(
        "TriggerMessage", v201.TriggerMessageRequest(requested_message="BootNotification"), now=7.0
    )
    assert trigger[2]["status"] == "Accepted"
    triggered = csms.take("BootNotification")
    assert triggered.payload["reason"] == "Triggered"
    csms.answer(triggered, pending, now=7.0)

    csms.advance(7.0, 36.9, answer=False)
    assert csms.pending_actions() == []
    csms.advance(36.9, 37.0, answer=False)
    retry = csms.take("BootNotification")
    csms.answer(
        retry, v201.BootNotificationResponse(current_time=wall(37), interval=300, status="Accepted"), now=37.0
    )
    assert csms.pending_actions() == ["StatusNotification"]
    csms.assert_schema_valid()


def test_rejected_boot_retries_and_refuses_csms_requests_with_security_error() -> None:
    station = make_station()
    csms = FakeCsms(station)
    station.connected(0.0)
    rejected = v201.BootNotificationResponse(current_time=wall(0), interval=45, status="Rejected")
    csms.answer(csms.take("BootNotification"), rejected, now=0.0)

    reply = csms.call("Reset", v201.ResetRequest(type="Immediate"), now=1.0)
    assert reply[0] == 4 and reply[2] == "SecurityError"
    station.plug_in(1, 2.0)  # the world goes on, the CSMS hears nothing of it
    assert csms.pending_actions() == []

    csms.advance(2.0, 45.0, answer=False)
    assert csms.pending_actions() == ["BootNotification"]
    csms.assert_schema_valid()


def test_idle_station_reconnects_without_a_new_boot_and_resends_all_statuses() -> None:
    station = make_station(evse_count=2)
    csms = boot(station)
    station.disconnected(10.0)
    assert not station.is_connected
    station.connected(20.0)
    resent = csms.answer_all(20.0)
    assert [(c.action, c.payload["evseId"]) for c in resent] == [
        ("StatusNotification", 1),
        ("StatusNotification", 2),
    ]
    assert station.boot_status == "Accepted"
    assert len(csms.sent_of("BootNotification")) == 1
    csms.assert_schema_valid()


def test_boot_lost_with_the_connection_fails_and_the_next_connection_boots_again() -> None:
    station = make_station()
    csms = FakeCsms(station)
    station.connected(0.0)
    first = csms.take("BootNotification")
    station.disconnected(1.0)
    failed = events_of(csms.drain_events(), CallFailed)
    assert [(f.action, f.unique_id, f.error_code) for f in failed] == [
        ("BootNotification", first.unique_id, "ConnectionLost")
    ]
    station.connected(2.0)
    assert csms.take("BootNotification").payload["reason"] == "PowerUp"


def test_heartbeats_fill_silences_only_not_a_busy_line() -> None:
    """HeartbeatInterval is an interval of inactivity: meter values every 60 s keep the line busy,
    so no heartbeat goes out while charging; once quiet, one goes after a full interval."""
    station = make_station()
    csms = FakeCsms(station)
    station.connected(0.0)
    csms.answer(
        csms.take("BootNotification"),
        v201.BootNotificationResponse(current_time=wall(0), interval=300, status="Accepted"),
        now=0.0,
    )
    csms.answer_all(0.0)
    station.set_ev_demand(1, 7_000.0, None, 10.0)
    station.plug_in(1, 10.0)
    station.present_id_token(1, "", "NoAuthorization", 10.0)
    csms.answer_all(10.0)
    csms.advance(10.0, 1_800.0)  # half an hour of charging, a meter value every 60 s
    assert csms.sent_of("Heartbeat") == []
    station.present_id_token(1, "", "NoAuthorization", 1_800.0)  # stop
    station.unplug(1, 1_805.0)
    csms.answer_all(1_805.0)
    csms.advance(1_805.0, 1_805.0 + 299.0)
    assert csms.sent_of("Heartbeat") == []
    csms.advance(1_805.0 + 299.0, 1_805.0 + 300.0)
    assert len(csms.sent_of("Heartbeat")) == 1
    csms.assert_schema_valid()
