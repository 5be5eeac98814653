"""OCPP 1.6 CSMS-initiated operations, each shown changing what the station does."""

from __future__ import annotations

from _station16_harness import boot16, charge, make_station16
from _station_harness import events_of, wall

from fleet.ocpp import v16
from fleet.station import CallFailed, RebootRequested


def test_get_and_change_configuration_follow_the_key_table() -> None:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    everything = csms.call("GetConfiguration", v16.GetConfigurationRequest(), 1.0)[2]
    keys = {entry["key"]: entry for entry in everything["configurationKey"]}
    assert keys["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True, "value": "2"}
    assert keys["HeartbeatInterval"]["readonly"] is False
    some = csms.call(
        "GetConfiguration", v16.GetConfigurationRequest(key=["heartbeatinterval", "NoSuchKey"]), 1.0
    )[2]
    assert some == {
        "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
        "unknownKey": ["NoSuchKey"],
    }

    def change(key: str, value: str) -> str:
        reply = csms.call("ChangeConfiguration", v16.ChangeConfigurationRequest(key=key, value=value), 1.0)
        status: str = reply[2]["status"]
        return status

    assert change("NumberOfConnectors", "4") == "Rejected"  # read-only
    assert change("NoSuchKey", "1") == "NotSupported"
    assert change("MeterValueSampleInterval", "-5") == "Rejected"
    assert change("MeterValuesSampledData", "Energy.Active.Import.Register,Bogus") == "Rejected"
    assert change("MeterValuesSampledData", "Power.Active.Import") == "Accepted"
    assert change("MeterValueSampleInterval", "30") == "Accepted"
    charge(station, csms, 10.0)
    csms.advance(10.0, 70.0)
    samples = csms.sent_of("MeterValues")
    assert len(samples) == 2  # every 30 s now
    assert [v["measurand"] for v in samples[0].payload["meterValue"][0]["sampledValue"]] == [
        "Power.Active.Import"
    ]
    csms.assert_schema_valid()


def test_change_availability_is_scheduled_during_a_transaction_and_applied_at_its_end() -> None:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    charge(station, csms, 10.0)
    busy = csms.call(
        "ChangeAvailability", v16.ChangeAvailabilityRequest(connector_id=1, type="Inoperative"), 20.0
    )
    assert busy[2] == {"status": "Scheduled"}
    idle = csms.call(
        "ChangeAvailability", v16.ChangeAvailabilityRequest(connector_id=2, type="Inoperative"), 20.0
    )
    assert idle[2] == {"status": "Accepted"}
    csms.answer_all(20.0)
    assert station.evse_state(2).connector_status == "Unavailable"
    assert station.evse_state(1).connector_status == "Charging"
    station.unplug(1, 30.0)
    csms.answer_all(30.0)
    assert station.evse_state(1).connector_status == "Unavailable"
    station.plug_in(2, 31.0)
    station.present_id_token(2, "TAG-2", "ISO14443", 31.0)
    assert station.evse_state(2).transaction_id is None  # an unavailable connector does not start
    unknown = csms.call(
        "ChangeAvailability", v16.ChangeAvailabilityRequest(connector_id=9, type="Operative"), 32.0
    )
    assert unknown[2] == {"status": "Rejected"}
    whole = csms.call(
        "ChangeAvailability", v16.ChangeAvailabilityRequest(connector_id=0, type="Operative"), 33.0
    )
    assert whole[2] == {"status": "Accepted"}
    csms.answer_all(33.0)
    zero = [c.payload["status"] for c in csms.sent_of("StatusNotification") if c.payload["connectorId"] == 0]
    assert zero[-1] == "Available"
    csms.assert_schema_valid()


def test_reset_stops_transactions_with_the_reset_reason_then_reboots_and_boots_again() -> None:
    for kind, reason in (("Soft", "SoftReset"), ("Hard", "HardReset")):
        station = make_station16()
        csms = boot16(station)
        charge(station, csms, 10.0)
        assert csms.call("Reset", v16.ResetRequest(type=kind), 20.0)[2] == {"status": "Accepted"}  # type: ignore[arg-type]
        assert events_of(csms.drain_events(), RebootRequested) == []  # the StopTransaction goes first
        csms.answer(csms.take("StopTransaction"), now=20.0)
        assert csms.sent_of("StopTransaction")[0].payload["reason"] == reason
        # the StatusNotifications that follow are answered before the line closes (issue 20 s. 3)
        assert "StatusNotification" in csms.pending_actions()
        assert events_of(csms.drain_events(), RebootRequested) == []
        csms.answer_all(20.0)
        events = csms.drain_events()
        assert [e.reason for e in events_of(events, RebootRequested)] == ["RemoteReset"]
        assert events_of(events, CallFailed) == []  # nothing died with the line
        assert not station.is_connected and station.boot_status is None
        station.connected(30.0)
        assert csms.pending_actions()[-1] == "BootNotification"  # (the others died with the line)
        csms.assert_schema_valid()


def test_unlock_connector_ends_the_session_with_unlock_command() -> None:
    station = make_station16()
    csms = boot16(station)
    charge(station, csms, 10.0)
    assert csms.call("UnlockConnector", v16.UnlockConnectorRequest(connector_id=1), 20.0)[2] == {
        "status": "Unlocked"
    }
    csms.answer_all(20.0)
    assert csms.sent_of("StopTransaction")[0].payload["reason"] == "UnlockCommand"
    assert csms.call("UnlockConnector", v16.UnlockConnectorRequest(connector_id=5), 21.0)[2] == {
        "status": "NotSupported"
    }
    csms.assert_schema_valid()


def test_update_firmware_walks_its_statuses_waits_for_the_session_reboots_and_reports_installed() -> None:
    station = make_station16()
    csms = boot16(station)
    charge(station, csms, 10.0)
    request = v16.UpdateFirmwareRequest(
        location="https://fw.example/sim-1.2.3.bin", retrieve_date=wall(100.0)
    )
    assert csms.call("UpdateFirmware", request, 20.0)[2] == {}
    csms.advance(20.0, 400.0)
    statuses = [c.payload["status"] for c in csms.sent_of("FirmwareStatusNotification")]
    assert statuses == ["Downloading", "Downloaded"]  # installing waits for the running session
    station.present_id_token(1, "TAG-1", "ISO14443", 400.0)
    csms.answer_all(400.0)
    csms.advance(400.0, 500.0)
    assert [e.reason for e in events_of(csms.drain_events(), RebootRequested)] == ["FirmwareUpdate"]
    station.connected(510.0)
    boot = csms.take("BootNotification")
    assert boot.payload["firmwareVersion"] == "sim-1.2.3.bin"
    csms.answer(boot, now=510.0)
    csms.answer_all(510.0)
    statuses = [c.payload["status"] for c in csms.sent_of("FirmwareStatusNotification")]
    assert statuses == ["Downloading", "Downloaded", "Installing", "Installed"]
    csms.assert_schema_valid()


def test_get_diagnostics_names_the_file_then_uploads() -> None:
    station = make_station16()
    csms = boot16(station)
    reply = csms.call("GetDiagnostics", v16.GetDiagnosticsRequest(location="ftp://diag.example/"), 5.0)
    assert reply[2]["fileName"].startswith("diagnostics-CP16-TEST-1-") and reply[2]["fileName"].endswith(
        ".zip"
    )
    csms.answer_all(5.0)
    csms.advance(5.0, 60.0)
    statuses = [c.payload["status"] for c in csms.sent_of("DiagnosticsStatusNotification")]
    assert statuses == ["Uploading", "Uploaded"]
    csms.assert_schema_valid()


def test_trigger_message_sends_what_was_asked_for() -> None:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    before = len(csms.sent_of("StatusNotification"))

    def trigger(message: str, connector: int | None = None) -> str:
        request = v16.TriggerMessageRequest(requested_message=message)  # type: ignore[arg-type]
        if connector is not None:
            request = v16.TriggerMessageRequest(requested_message=message, connector_id=connector)  # type: ignore[arg-type]
        status: str = csms.call("TriggerMessage", request, 10.0)[2]["status"]
        csms.answer_all(10.0)
        return status

    assert trigger("StatusNotification", 2) == "Accepted"
    assert [c.payload["connectorId"] for c in csms.sent_of("StatusNotification")[before:]] == [2]
    assert trigger("Heartbeat") == "Accepted" and len(csms.sent_of("Heartbeat")) == 1
    assert trigger("MeterValues", 1) == "Accepted"
    assert csms.sent_of("MeterValues")[-1].payload["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
    assert trigger("FirmwareStatusNotification") == "Accepted"
    assert csms.sent_of("FirmwareStatusNotification")[-1].payload == {"status": "Idle"}
    assert trigger("DiagnosticsStatusNotification") == "Accepted"
    assert trigger("BootNotification") == "Rejected"  # registered already
    assert trigger("StatusNotification", 7) == "Rejected"
    csms.assert_schema_valid()


def test_a_reservation_blocks_other_tags_admits_its_own_and_expires() -> None:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    reserve = v16.ReserveNowRequest(
        connector_id=1, expiry_date=wall(600.0), id_tag="RESERVED", reservation_id=11
    )
    assert csms.call("ReserveNow", reserve, 1.0)[2] == {"status": "Accepted"}
    csms.answer_all(1.0)
    assert station.evse_state(1).connector_status == "Reserved"
    station.plug_in(1, 10.0)
    station.present_id_token(1, "SOMEONE-ELSE", "ISO14443", 10.0)
    csms.answer_all(10.0)
    assert station.evse_state(1).transaction_id is None and csms.sent_of("Authorize") == []
    remote = csms.call(
        "RemoteStartTransaction", v16.RemoteStartTransactionRequest(connector_id=1, id_tag="X"), 11.0
    )
    assert remote[2] == {"status": "Rejected"}
    station.present_id_token(1, "RESERVED", "ISO14443", 20.0)
    csms.answer_all(20.0)
    assert csms.sent_of("StartTransaction")[0].payload["reservationId"] == 11
    # a second reservation on connector 2 lapses at its expiry; a cancelled one is gone
    again = v16.ReserveNowRequest(connector_id=2, expiry_date=wall(100.0), id_tag="LATE", reservation_id=12)
    assert csms.call("ReserveNow", again, 30.0)[2] == {"status": "Accepted"}
    assert csms.call("ReserveNow", again, 30.0)[2] == {"status": "Accepted"}  # same id: replaced
    csms.advance(30.0, 101.0)
    assert station.evse_state(2).connector_status == "Available"
    assert csms.call("CancelReservation", v16.CancelReservationRequest(reservation_id=12), 102.0)[2] == {
        "status": "Rejected"
    }
    busy = v16.ReserveNowRequest(connector_id=1, expiry_date=wall(900.0), id_tag="Z", reservation_id=13)
    assert csms.call("ReserveNow", busy, 103.0)[2] == {"status": "Occupied"}
    zero = v16.ReserveNowRequest(connector_id=0, expiry_date=wall(900.0), id_tag="Z", reservation_id=14)
    assert csms.call("ReserveNow", zero, 103.0)[2] == {"status": "Rejected"}
    csms.assert_schema_valid()


def test_remote_start_and_stop() -> None:
    station = make_station16()
    csms = boot16(station)
    station.plug_in(1, 1.0)
    station.set_ev_demand(1, 11_000.0, None, 1.0)
    csms.answer_all(1.0)
    started = csms.call("RemoteStartTransaction", v16.RemoteStartTransactionRequest(id_tag="APP-USER"), 2.0)
    assert started[2] == {"status": "Accepted"}
    csms.answer_all(2.0)
    assert csms.sent_of("Authorize") == []  # AuthorizeRemoteTxRequests is false
    transaction_id = int(station.evse_state(1).transaction_id or "0")
    wrong = csms.call(
        "RemoteStopTransaction", v16.RemoteStopTransactionRequest(transaction_id=transaction_id + 1), 3.0
    )
    assert wrong[2] == {"status": "Rejected"}
    stopped = csms.call(
        "RemoteStopTransaction", v16.RemoteStopTransactionRequest(transaction_id=transaction_id), 4.0
    )
    assert stopped[2] == {"status": "Accepted"}
    csms.answer_all(4.0)
    assert csms.sent_of("StopTransaction")[0].payload["reason"] == "Remote"
    csms.assert_schema_valid()
