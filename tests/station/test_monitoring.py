"""NotifyEvent from hard-wired monitors: AvailabilityState changes and lock problems."""

from __future__ import annotations

from _station_harness import boot, make_station


def test_availability_state_changes_are_notified_with_increasing_event_ids() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 10.0)
    station.unplug(1, 20.0)
    csms.answer_all(20.0)
    data = [c.payload["eventData"][0] for c in csms.sent_of("NotifyEvent")]
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
        d["trigger"] == "Delta" and d["eventNotificationType"] == "HardWiredNotification" for d in data
    )
    assert data[0]["eventId"] < data[1]["eventId"]
    assert (
        station.device_model.get("Connector", "AvailabilityState", evse_id=1, connector_id=1) == "Available"
    )
    csms.assert_schema_valid()


def test_lock_problem_is_alerted_and_cleared() -> None:
    station = make_station()
    csms = boot(station)
    station.fail_next_lock(1)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    station.plug_in(1, 2.0)
    station.unplug(1, 3.0)
    csms.answer_all(3.0)
    lock = [
        c.payload["eventData"][0]
        for c in csms.sent_of("NotifyEvent")
        if c.payload["eventData"][0]["component"]["name"] == "ConnectorPlugRetentionLock"
    ]
    assert [(d["trigger"], d["actualValue"], d.get("cleared", False)) for d in lock] == [
        ("Alerting", "true", False),
        ("Alerting", "false", True),
    ]
    csms.assert_schema_valid()
