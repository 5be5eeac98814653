"""NotifyEvent as OCPP 2.0.1 has it: hard-wired problem alerts, and the variable monitors a CSMS
sets with SetVariableMonitoring; plain status changes go with StatusNotification only."""

from __future__ import annotations

from typing import Any

from _station_harness import FakeCsms, boot, make_station, set_variable

from fleet.ocpp import v201

CONNECTOR_1 = v201.Component(name="Connector", evse=v201.EVSE(id=1, connector_id=1))
AVAILABILITY = v201.Variable(name="AvailabilityState")


def _events(csms: FakeCsms) -> list[dict[str, Any]]:
    return [d for c in csms.sent_of("NotifyEvent") for d in c.payload["eventData"]]


def _watch_availability(csms: FakeCsms, now: float) -> int:
    request = v201.SetVariableMonitoringRequest(
        set_monitoring_data=[
            v201.SetMonitoringData(
                value=0, type="Delta", severity=8, component=CONNECTOR_1, variable=AVAILABILITY
            )
        ]
    )
    result = csms.call("SetVariableMonitoring", request, now)[2]["setMonitoringResult"][0]
    assert result["status"] == "Accepted"
    monitor_id: int = result["id"]
    return monitor_id


def test_status_changes_go_with_status_notification_only() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 10.0)
    station.unplug(1, 20.0)
    csms.answer_all(20.0)
    assert [c.payload["connectorStatus"] for c in csms.sent_of("StatusNotification")][-2:] == [
        "Occupied",
        "Available",
    ]
    assert _events(csms) == []
    assert (
        station.device_model.get("Connector", "AvailabilityState", evse_id=1, connector_id=1) == "Available"
    )
    csms.assert_schema_valid()


def test_a_delta_monitor_reports_availability_changes_until_cleared() -> None:
    station = make_station()
    csms = boot(station)
    monitor_id = _watch_availability(csms, 1.0)
    station.plug_in(1, 10.0)
    station.unplug(1, 20.0)
    csms.answer_all(20.0)
    data = _events(csms)
    assert [(d["component"], d["variable"], d["actualValue"]) for d in data] == [
        (
            {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
            {"name": "AvailabilityState"},
            "Occupied",
        ),
        (
            {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
            {"name": "AvailabilityState"},
            "Available",
        ),
    ]
    assert all(
        (d["trigger"], d["eventNotificationType"], d["variableMonitoringId"])
        == ("Delta", "CustomMonitor", monitor_id)
        for d in data
    )
    assert data[0]["eventId"] < data[1]["eventId"]
    cleared = csms.call(
        "ClearVariableMonitoring", v201.ClearVariableMonitoringRequest(id=[monitor_id, 99]), 30.0
    )
    assert [r["status"] for r in cleared[2]["clearMonitoringResult"]] == ["Accepted", "NotFound"]
    station.plug_in(1, 40.0)
    csms.answer_all(40.0)
    assert len(_events(csms)) == 2
    csms.assert_schema_valid()


def test_monitors_on_unknown_variables_or_unsupported_types_are_refused() -> None:
    csms = boot(make_station())
    request = v201.SetVariableMonitoringRequest(
        set_monitoring_data=[
            v201.SetMonitoringData(
                value=0,
                type="Delta",
                severity=5,
                component=v201.Component(name="Nope"),
                variable=AVAILABILITY,
            ),
            v201.SetMonitoringData(
                value=0, type="Delta", severity=5, component=CONNECTOR_1, variable=v201.Variable(name="Nope")
            ),
            v201.SetMonitoringData(
                value=10, type="UpperThreshold", severity=5, component=CONNECTOR_1, variable=AVAILABILITY
            ),
            v201.SetMonitoringData(
                value=0, type="Delta", severity=5, component=CONNECTOR_1, variable=AVAILABILITY, id=42
            ),
        ]
    )
    results = csms.call("SetVariableMonitoring", request, 1.0)[2]["setMonitoringResult"]
    assert [r["status"] for r in results] == [
        "UnknownComponent",
        "UnknownVariable",
        "UnsupportedMonitorType",
        "Rejected",
    ]
    csms.assert_schema_valid()


def test_a_connector_fault_is_alerted_and_cleared() -> None:
    station = make_station()
    csms = boot(station)
    station.set_connector_faulted(1, True, 5.0)
    station.set_connector_faulted(1, False, 9.0)
    csms.answer_all(9.0)
    data = _events(csms)
    assert [(d["component"]["name"], d["variable"]["name"]) for d in data] == [("Connector", "Problem")] * 2
    assert [(d["trigger"], d["actualValue"], d.get("cleared", False)) for d in data] == [
        ("Alerting", "true", False),
        ("Alerting", "false", True),
    ]
    assert all(d["eventNotificationType"] == "HardWiredNotification" for d in data)
    assert station.device_model.get("Connector", "Problem", evse_id=1, connector_id=1) == "false"
    csms.assert_schema_valid()


def test_lock_problem_is_alerted_and_cleared() -> None:
    station = make_station()
    csms = boot(station)
    station.fail_next_lock(1)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    station.plug_in(1, 2.0)
    station.unplug(1, 3.0)
    csms.answer_all(3.0)
    lock = [d for d in _events(csms) if d["component"]["name"] == "ConnectorPlugRetentionLock"]
    assert [(d["trigger"], d["actualValue"], d.get("cleared", False)) for d in lock] == [
        ("Alerting", "true", False),
        ("Alerting", "false", True),
    ]
    csms.assert_schema_valid()


def test_monitoring_disabled_in_the_device_model_silences_notify_event() -> None:
    station = make_station()
    set_variable(station, "MonitoringCtrlr", "Enabled", "false")
    csms = boot(station)
    _watch_availability(csms, 1.0)
    station.fail_next_lock(1)
    station.present_id_token(1, "", "NoAuthorization", 2.0)
    station.plug_in(1, 3.0)
    station.set_connector_faulted(1, True, 4.0)
    csms.answer_all(4.0)
    assert _events(csms) == []
    assert csms.sent_of("StatusNotification")  # status is still reported
