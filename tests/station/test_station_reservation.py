"""OCPP 2.0.1 reservations: a reserved EVSE shows Reserved, refuses other drivers, starts for its
driver (the transaction names the reservation), and expires or is cancelled with a status update."""

from __future__ import annotations

from typing import Any

import msgspec
from _station_harness import FakeCsms, boot, make_station, wall

from fleet.ocpp import v201

DRIVER = v201.IdToken(id_token="RESERVED-1", type="ISO14443")


def _reserve(
    csms: FakeCsms, reservation_id: int, evse_id: int | None, expires: float, now: float
) -> dict[str, Any]:
    request = v201.ReserveNowRequest(
        id=reservation_id,
        expiry_date_time=wall(expires),
        id_token=DRIVER,
        evse_id=evse_id if evse_id is not None else msgspec.UNSET,
    )
    reply: dict[str, Any] = csms.call("ReserveNow", request, now)[2]
    csms.answer_all(now)
    return reply


def _statuses(csms: FakeCsms, evse_id: int) -> list[str]:
    return [
        c.payload["connectorStatus"]
        for c in csms.sent_of("StatusNotification")
        if c.payload["evseId"] == evse_id
    ]


def test_a_reservation_blocks_other_drivers_and_starts_for_its_own() -> None:
    station = make_station(evse_count=2)
    csms = boot(station)
    assert _reserve(csms, 7, 1, 600.0, 10.0) == {"status": "Accepted"}
    assert station.evse_state(1).connector_status == "Reserved" and _statuses(csms, 1)[-1] == "Reserved"
    # someone else badges at the reserved EVSE: not authorized, not even asked about
    station.plug_in(1, 20.0)
    station.present_id_token(1, "STRANGER", "ISO14443", 20.0)
    csms.answer_all(20.0)
    assert csms.sent_of("Authorize") == [] and station.evse_state(1).transaction_id is None
    # nor may the CSMS start someone else there
    stranger = v201.IdToken(id_token="APP-OTHER", type="Central")
    remote = v201.RequestStartTransactionRequest(id_token=stranger, remote_start_id=1, evse_id=1)
    assert csms.call("RequestStartTransaction", remote, 25.0)[2]["status"] == "Rejected"
    station.unplug(1, 30.0)
    csms.answer_all(30.0)
    # the other EVSE is free for everyone
    station.plug_in(2, 31.0)
    station.present_id_token(2, "STRANGER", "ISO14443", 31.0)
    csms.answer_all(31.0)
    assert station.evse_state(2).transaction_id is not None
    # the driver with the reservation starts normally; the Started event names the reservation
    station.plug_in(1, 40.0)
    station.present_id_token(1, DRIVER.id_token, DRIVER.type, 40.0)
    csms.answer_all(40.0)
    started = [c.payload for c in csms.sent_of("TransactionEvent") if c.payload["eventType"] == "Started"]
    assert station.evse_state(1).transaction_id is not None
    assert started[-1]["evse"]["id"] == 1 and started[-1]["reservationId"] == 7
    # used: no expiry later
    csms.advance(40.0, 700.0)
    assert csms.sent_of("ReservationStatusUpdate") == []
    csms.assert_schema_valid()


def test_a_reservation_expires_with_a_status_update_and_the_evse_is_available_again() -> None:
    station = make_station()
    csms = boot(station)
    assert _reserve(csms, 3, 1, 300.0, 10.0) == {"status": "Accepted"}
    csms.advance(10.0, 299.0)
    assert station.evse_state(1).connector_status == "Reserved"
    csms.advance(299.0, 300.0)
    updates = [c.payload for c in csms.sent_of("ReservationStatusUpdate")]
    assert updates == [{"reservationId": 3, "reservationUpdateStatus": "Expired"}]
    assert station.evse_state(1).connector_status == "Available" and _statuses(csms, 1)[-1] == "Available"
    # now anyone may charge here
    station.plug_in(1, 310.0)
    station.present_id_token(1, "STRANGER", "ISO14443", 310.0)
    csms.answer_all(310.0)
    assert station.evse_state(1).transaction_id is not None
    csms.assert_schema_valid()


def test_cancel_removes_the_reservation_and_unknown_ids_are_rejected() -> None:
    station = make_station()
    csms = boot(station)
    assert _reserve(csms, 4, None, 900.0, 10.0) == {"status": "Accepted"}  # any EVSE: the first free
    assert station.evse_state(1).connector_status == "Reserved"
    cancelled = csms.call("CancelReservation", v201.CancelReservationRequest(reservation_id=4), 20.0)
    csms.answer_all(20.0)
    assert cancelled[2] == {"status": "Accepted"}
    assert station.evse_state(1).connector_status == "Available"
    updates = [c.payload for c in csms.sent_of("ReservationStatusUpdate")]
    assert updates == [{"reservationId": 4, "reservationUpdateStatus": "Removed"}]
    again = csms.call("CancelReservation", v201.CancelReservationRequest(reservation_id=4), 21.0)
    assert again[2]["status"] == "Rejected"
    csms.advance(21.0, 1_000.0)
    assert len(csms.sent_of("ReservationStatusUpdate")) == 1  # the cancelled one does not expire
    csms.assert_schema_valid()


def test_occupied_faulted_and_unavailable_evses_cannot_be_reserved() -> None:
    station = make_station(evse_count=4)
    csms = boot(station)
    station.plug_in(1, 1.0)
    station.set_connector_faulted(2, True, 1.0)
    unavailable = v201.ChangeAvailabilityRequest(operational_status="Inoperative", evse=v201.EVSE(id=3))
    csms.call("ChangeAvailability", unavailable, 1.0)
    csms.answer_all(1.0)
    assert _reserve(csms, 1, 1, 600.0, 2.0)["status"] == "Occupied"
    assert _reserve(csms, 2, 2, 600.0, 2.0)["status"] == "Faulted"
    assert _reserve(csms, 3, 3, 600.0, 2.0)["status"] == "Unavailable"
    assert _reserve(csms, 4, 4, 600.0, 2.0)["status"] == "Accepted"
    assert _reserve(csms, 5, 4, 600.0, 2.0)["status"] == "Occupied"  # already reserved
    assert _reserve(csms, 4, 4, 900.0, 3.0)["status"] == "Accepted"  # the same id replaces it
    assert _reserve(csms, 6, 9, 600.0, 3.0)["status"] == "Rejected"
    assert _reserve(csms, 7, 4, 1.0, 3.0)["status"] == "Rejected"  # already expired
    csms.assert_schema_valid()
