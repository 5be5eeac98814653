"""OCPP 2.0.1 reservations (H01 ReserveNow, H02 CancelReservation, H03 use, H04 expiry): an EVSE
kept for one driver (or group) until the expiry time, shown as Reserved.

Who may use a reserved EVSE is decided where a token is presented (``_evse_authorization``, with
``Reservation.admits``); this module places, cancels and expires reservations. Simplifications:
``connectorType`` is not checked (every simulated connector is the same), a reservation without an
EVSE takes the first Available one, and a reservation stays when its EVSE later becomes Unavailable
or Faulted.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from fleet.ocpp import v201
from fleet.station._charging import ChargingController
from fleet.station._context import StationContext
from fleet.station._evse import Evse, Reservation
from fleet.station._outgoing import OutgoingCall

Reply = tuple[msgspec.Struct, Callable[[], None] | None]


def _timer(evse_id: int) -> tuple[str, int]:
    return ("reservation-expiry", evse_id)


def _info(reason_code: str, text: str) -> v201.StatusInfo:
    return v201.StatusInfo(reason_code=reason_code, additional_info=text)


class Reservations:
    def __init__(self, ctx: StationContext, charging: ChargingController) -> None:
        self._ctx = ctx
        self._charging = charging

    def reserve(self, request: v201.ReserveNowRequest, now: float) -> Reply:
        model = self._ctx.model
        expires_at = request.expiry_date_time.timestamp() - self._ctx.clock.epoch
        if not model.get_bool("ReservationCtrlr", "Enabled", True):
            return self._refused("Rejected", "Disabled", "ReservationCtrlr.Enabled is false")
        if expires_at <= now:
            return self._refused("Rejected", "InvalidValue", "expiryDateTime is in the past")
        if isinstance(request.evse_id, msgspec.UnsetType):
            if not model.get_bool("ReservationCtrlr", "NonEvseSpecific", True):
                return self._refused("Rejected", "MissingParam", "give an evseId: NonEvseSpecific is false")
            evses = list(self._charging.evses.values())
        else:
            evse = self._charging.evses.get(request.evse_id)
            if evse is None:
                return self._refused("Rejected", "UnknownEvse", f"no EVSE {request.evse_id} on this station")
            evses = [evse]
        # the same id again replaces the earlier reservation (H01.FR.02): free its EVSE first
        previous = self._find(request.id)
        candidates = [e for e in evses if self._answer(e, previous) == "Accepted"]
        if not candidates:
            return v201.ReserveNowResponse(status=self._answer(evses[0], previous)), None
        evse = candidates[0]
        group = request.group_id_token
        reservation = Reservation(
            reservation_id=request.id,
            id_token=request.id_token,
            group_id_token=None if isinstance(group, msgspec.UnsetType) else group,
            expires_at=expires_at,
        )

        def place() -> None:
            if previous is not None and previous is not evse:
                previous.reservation = None
                self._ctx.timers.cancel(_timer(previous.evse_id))
                self._charging.status.sync(previous, now)
            evse.reservation = reservation
            self._ctx.timers.set(_timer(evse.evse_id), expires_at, self._expire(evse, reservation))
            self._charging.status.sync(evse, now)

        return v201.ReserveNowResponse(status="Accepted"), place

    def cancel(self, request: v201.CancelReservationRequest, now: float) -> Reply:
        evse = self._find(request.reservation_id)
        if evse is None or evse.reservation is None:
            info = _info("UnknownReservation", f"no reservation {request.reservation_id} is active")
            return v201.CancelReservationResponse(status="Rejected", status_info=info), None
        reservation = evse.reservation
        return v201.CancelReservationResponse(status="Accepted"), lambda: self._end(
            evse, reservation, "Removed", now
        )

    # --- internals -----------------------------------------------------------------------------

    def _answer(self, evse: Evse, replaced: Evse | None) -> v201.ReserveNowStatusEnum:
        if evse.faulted or evse.lock_faulted:
            return "Faulted"
        if not evse.operative:
            return "Unavailable"
        busy = evse.plugged or evse.tx is not None or evse.token is not None or evse.authorizing
        if busy or (evse.reservation is not None and evse is not replaced):
            return "Occupied"
        return "Accepted"

    def _find(self, reservation_id: int) -> Evse | None:
        for evse in self._charging.evses.values():
            if evse.reservation is not None and evse.reservation.reservation_id == reservation_id:
                return evse
        return None

    def _refused(self, status: v201.ReserveNowStatusEnum, reason: str, text: str) -> Reply:
        return v201.ReserveNowResponse(status=status, status_info=_info(reason, text)), None

    def _expire(self, evse: Evse, reservation: Reservation) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            self._end(evse, reservation, "Expired", deadline)

        return fire

    def _end(
        self, evse: Evse, reservation: Reservation, status: v201.ReservationUpdateStatusEnum, now: float
    ) -> None:
        if evse.reservation is not reservation:
            return  # used by its driver, or replaced, meanwhile
        evse.reservation = None
        self._ctx.timers.cancel(_timer(evse.evse_id))
        self._charging.status.sync(evse, now)
        update = v201.ReservationStatusUpdateRequest(
            reservation_id=reservation.reservation_id, reservation_update_status=status
        )
        self._ctx.channel.send(OutgoingCall("ReservationStatusUpdate", update, now), now)
