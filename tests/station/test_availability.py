"""Use case G01-G04: connector status, ChangeAvailability, a connector lock that fails."""

from __future__ import annotations

from _station_harness import boot, events_of, make_station

from fleet.ocpp import v201
from fleet.station import ConnectorStatusChanged


def _statuses(csms_calls: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(c["evseId"], c["connectorStatus"]) for c in csms_calls]


def test_evse_inoperative_then_operative_again() -> None:
    station = make_station(evse_count=2)
    csms = boot(station)
    request = v201.ChangeAvailabilityRequest(operational_status="Inoperative", evse=v201.EVSE(id=2))
    assert csms.call("ChangeAvailability", request, now=1.0)[2] == {"status": "Accepted"}
    csms.answer_all(1.0)
    assert station.evse_state(2).connector_status == "Unavailable"
    station.plug_in(2, 2.0)
    station.present_id_token(2, "", "NoAuthorization", 2.0)  # refused: unavailable
    assert station.evse_state(2).transaction_id is None
    station.unplug(2, 3.0)
    back = v201.ChangeAvailabilityRequest(operational_status="Operative", evse=v201.EVSE(id=2))
    assert csms.call("ChangeAvailability", back, now=4.0)[2] == {"status": "Accepted"}
    csms.answer_all(4.0)
    sent = _statuses([c.payload for c in csms.sent_of("StatusNotification")])
    assert sent == [(1, "Available"), (2, "Available"), (2, "Unavailable"), (2, "Available")]
    csms.assert_schema_valid()


def test_station_inoperative_is_scheduled_while_a_transaction_runs() -> None:
    station = make_station(evse_count=2)
    csms = boot(station)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "", "NoAuthorization", 1.0)
    csms.answer_all(1.0)
    request = v201.ChangeAvailabilityRequest(operational_status="Inoperative")
    assert csms.call("ChangeAvailability", request, now=2.0)[2] == {"status": "Scheduled"}
    csms.answer_all(2.0)
    assert station.evse_state(2).connector_status == "Unavailable"
    assert station.evse_state(1).connector_status == "Occupied"
    station.present_id_token(1, "", "NoAuthorization", 3.0)  # ends the transaction
    station.unplug(1, 4.0)
    csms.answer_all(4.0)
    assert station.evse_state(1).connector_status == "Unavailable"
    changes = events_of(csms.drain_events(), ConnectorStatusChanged)
    assert changes[-1] == ConnectorStatusChanged(1, 1, "Unavailable")
    csms.assert_schema_valid()


def test_unknown_evse_is_rejected() -> None:
    csms = boot(make_station())
    request = v201.ChangeAvailabilityRequest(operational_status="Inoperative", evse=v201.EVSE(id=9))
    assert csms.call("ChangeAvailability", request, now=1.0)[2]["status"] == "Rejected"
    csms.assert_schema_valid()


def test_failed_connector_lock_prevents_the_transaction_and_faults_the_connector() -> None:
    station = make_station()
    csms = boot(station)
    station.fail_next_lock(1)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "", "NoAuthorization", 2.0)
    csms.answer_all(2.0)
    assert station.evse_state(1).transaction_id is None
    assert station.evse_state(1).connector_status == "Faulted"
    problems = [
        c.payload["eventData"][0]
        for c in csms.sent_of("NotifyEvent")
        if c.payload["eventData"][0]["component"]["name"] == "ConnectorPlugRetentionLock"
    ]
    assert [(p["variable"]["name"], p["actualValue"]) for p in problems] == [("Problem", "true")]
    station.unplug(1, 3.0)
    csms.answer_all(3.0)
    assert station.evse_state(1).connector_status == "Available"
    assert _statuses([c.payload for c in csms.sent_of("StatusNotification")])[-3:] == [
        (1, "Occupied"),
        (1, "Faulted"),
        (1, "Available"),
    ]
    csms.assert_schema_valid()
