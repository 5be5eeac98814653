"""OCPP 1.6 reservations (ReserveNow, CancelReservation, 5.13-5.14): a connector held for one idTag
(or its parent) until the expiry time, shown as Reserved. Who may use a reserved connector is
decided where a tag is presented (``Connector.reserved_for_other``); a transaction of the holder
uses the reservation up (``_connector_transactions``). Built with the station's handler table, at
its first CSMS request: the reservations themselves live on the connectors and the timers."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from fleet.ocpp import v16
from fleet.station._dispatch import Reply
from fleet.station.ocpp16._connector import Connector, Reservation, reservation_timer
from fleet.station.ocpp16._connector_transactions import ConnectorTransactions
from fleet.station.ocpp16._context import Context16


class Reservations16:
    __slots__ = ("_connectors", "_ctx", "_transactions")

    def __init__(
        self, ctx: Context16, connectors: Mapping[int, Connector], transactions: ConnectorTransactions
    ) -> None:
        self._ctx = ctx
        self._connectors = connectors
        self._transactions = transactions

    def reserve_now(self, request: v16.ReserveNowRequest, now: float) -> Reply:
        if request.connector_id == 0 and not self._ctx.keys.get_bool("ReserveConnectorZeroSupported"):
            return v16.ReserveNowResponse(status="Rejected"), None
        connector = self._connectors.get(request.connector_id)
        if connector is None:
            return v16.ReserveNowResponse(status="Rejected"), None
        parent = request.parent_id_tag
        reservation = Reservation(
            reservation_id=request.reservation_id,
            id_tag=request.id_tag,
            parent_id_tag=None if isinstance(parent, msgspec.UnsetType) else parent,
            expires_at=request.expiry_date.timestamp() - self._ctx.clock.epoch,
        )
        if reservation.expires_at <= now:
            return v16.ReserveNowResponse(status="Rejected"), None
        return v16.ReserveNowResponse(status=self._reserve(connector, reservation, now)), None

    def cancel_reservation(self, request: v16.CancelReservationRequest, now: float) -> Reply:
        for c in self._connectors.values():
            if c.reservation is not None and c.reservation.reservation_id == request.reservation_id:
                self._end(c, now)
                return v16.CancelReservationResponse(status="Accepted"), None
        return v16.CancelReservationResponse(status="Rejected"), None

    def _reserve(self, c: Connector, reservation: Reservation, now: float) -> v16.ReserveNowStatusEnum:
        if c.faulted or c.lock_faulted:
            return "Faulted"
        if not c.operative:
            return "Unavailable"
        held = c.reservation is not None and c.reservation.reservation_id != reservation.reservation_id
        if c.tx is not None or c.plugged or c.id_tag is not None or c.needs_unplug or held:
            return "Occupied"
        c.reservation = reservation
        self._ctx.timers.set(reservation_timer(c.connector_id), reservation.expires_at, self._expire(c))
        self._transactions.reconcile(c, now)
        return "Accepted"

    def _expire(self, c: Connector) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            if c.reservation is not None:
                self._end(c, deadline)

        return fire

    def _end(self, c: Connector, now: float) -> None:
        c.reservation = None
        self._ctx.timers.cancel(reservation_timer(c.connector_id))
        self._transactions.reconcile(c, now)
