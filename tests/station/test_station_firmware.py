"""OCPP 2.0.1 UpdateFirmware and GetLog: the status sequences on timers, the reboot into the new
version (boot reason FirmwareUpdate), waiting for transactions, TriggerMessage reports."""

from __future__ import annotations

from typing import Any

import msgspec
from _station_harness import FakeCsms, boot, events_of, make_station, wall

from fleet.ocpp import v201
from fleet.station import RebootRequested, Station
from fleet.station._firmware import DOWNLOAD_S, INSTALL_S
from fleet.station._log_upload import UPLOAD_S


def _update(csms: FakeCsms, request_id: int, now: float, *, signed: bool = False) -> dict[str, Any]:
    firmware = v201.Firmware(
        location="https://firmware.example/sim/fw-2.0.0.bin",
        retrieve_date_time=wall(now),
        signature="c2lnbmF0dXJl" if signed else msgspec.UNSET,
    )
    request = v201.UpdateFirmwareRequest(request_id=request_id, firmware=firmware)
    reply: dict[str, Any] = csms.call("UpdateFirmware", request, now)[2]
    csms.answer_all(now)
    return reply


def _firmware_statuses(csms: FakeCsms) -> list[str]:
    return [c.payload["status"] for c in csms.sent_of("FirmwareStatusNotification")]


def _reconnect(station: Station, csms: FakeCsms, now: float) -> None:
    """What a shell does on RebootRequested: reconnect and answer the boot."""
    station.connected(now)
    csms.answer_all(now)


def test_update_walks_through_its_statuses_reboots_and_boots_with_the_new_version() -> None:
    station = make_station(firmware_version="1.0.0")
    csms = boot(station)
    assert _update(csms, 42, 10.0, signed=True) == {"status": "Accepted"}
    csms.advance(10.0, 10.0 + DOWNLOAD_S + INSTALL_S)
    assert _firmware_statuses(csms) == [
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "Installing",
        "InstallRebooting",
    ]
    assert all(c.payload["requestId"] == 42 for c in csms.sent_of("FirmwareStatusNotification"))
    assert events_of(csms.drain_events(), RebootRequested) == [RebootRequested("FirmwareUpdate")]
    assert not station.is_connected and station.firmware_version == "fw-2.0.0.bin"
    _reconnect(station, csms, 30.0)
    boot_request = csms.sent_of("BootNotification")[-1].payload
    assert boot_request["reason"] == "FirmwareUpdate"
    assert boot_request["chargingStation"]["firmwareVersion"] == "fw-2.0.0.bin"
    assert _firmware_statuses(csms)[-1] == "Installed"
    # a TriggerMessage afterwards hears Idle, without a requestId
    trigger = v201.TriggerMessageRequest(requested_message="FirmwareStatusNotification")
    assert csms.call("TriggerMessage", trigger, 31.0)[2] == {"status": "Accepted"}
    csms.answer_all(31.0)
    assert csms.sent_of("FirmwareStatusNotification")[-1].payload == {"status": "Idle"}
    csms.assert_schema_valid()


def test_installing_waits_for_the_running_transaction_to_end() -> None:
    station = make_station()
    csms = boot(station)
    station.set_ev_demand(1, 7_000.0, None, 1.0)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    csms.answer_all(1.0)
    _update(csms, 5, 2.0)
    csms.advance(2.0, 500.0)
    assert _firmware_statuses(csms) == ["Downloading", "Downloaded"]
    trigger = v201.TriggerMessageRequest(requested_message="FirmwareStatusNotification")
    csms.call("TriggerMessage", trigger, 500.0)
    csms.answer_all(500.0)
    assert csms.sent_of("FirmwareStatusNotification")[-1].payload == {"status": "Downloaded", "requestId": 5}
    station.unplug(1, 600.0)
    csms.answer_all(600.0)
    csms.advance(600.0, 700.0)
    assert _firmware_statuses(csms)[-2:] == ["Installing", "InstallRebooting"]
    ended = csms.sent_of("TransactionEvent")[-1].payload
    assert ended["eventType"] == "Ended"  # the session ended on its own terms, then the install
    assert events_of(csms.drain_events(), RebootRequested) == [RebootRequested("FirmwareUpdate")]
    csms.assert_schema_valid()


def test_a_second_update_cancels_the_first() -> None:
    station = make_station()
    csms = boot(station)
    assert _update(csms, 1, 10.0) == {"status": "Accepted"}
    csms.advance(10.0, 12.0)
    assert _update(csms, 2, 12.0) == {"status": "AcceptedCanceled"}
    csms.advance(12.0, 12.0 + DOWNLOAD_S + INSTALL_S)
    assert [c.payload.get("requestId") for c in csms.sent_of("FirmwareStatusNotification")] == [1, 2, 2, 2, 2]
    csms.assert_schema_valid()


def test_get_log_reports_uploading_then_uploaded() -> None:
    station = make_station()
    csms = boot(station)
    request = v201.GetLogRequest(
        log=v201.LogParameters(remote_location="https://logs.example/upload"),
        log_type="DiagnosticsLog",
        request_id=9,
    )
    reply = csms.call("GetLog", request, 10.0)[2]
    csms.answer_all(10.0)
    assert reply["status"] == "Accepted" and reply["filename"].startswith("DiagnosticsLog-CS-TEST-1-")
    trigger = v201.TriggerMessageRequest(requested_message="LogStatusNotification")
    csms.call("TriggerMessage", trigger, 11.0)
    csms.answer_all(11.0)
    csms.advance(11.0, 10.0 + UPLOAD_S)
    statuses = [c.payload for c in csms.sent_of("LogStatusNotification")]
    assert statuses == [
        {"status": "Uploading", "requestId": 9},
        {"status": "Uploading", "requestId": 9},
        {"status": "Uploaded", "requestId": 9},
    ]
    csms.assert_schema_valid()
