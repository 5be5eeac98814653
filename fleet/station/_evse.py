"""One EVSE with its single connector: physical state, authorization, availability, and the tables
that derive its connector status, charging state and transaction start/stop from that state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fleet.ocpp import v201
from fleet.station._meter import Meter
from fleet.station._schedule import offered_power_w

CONNECTOR_ID = 1  # one connector per EVSE


@dataclass(slots=True, eq=False)
class ActiveTransaction:
    transaction_id: str
    energy_at_start_wh: float
    offline: bool
    remote_start_id: int | None = None
    ev_was_connected: bool = False  # an unplug only ends (or suspends) a session that had a cable
    token_reported: bool = False  # idToken goes in the first TransactionEvent that knows it, once
    reported_charging_state: str | None = None
    deauth_reason: v201.ReasonEnum | None = None  # why the authorization ended: Local, Remote, ...
    forced_reason: v201.ReasonEnum | None = None  # ends the transaction whatever the stop points say
    id_rejected: bool = False  # CSMS refused the id but StopTxOnInvalidId is false: no energy
    invalid_id_limit_wh: float | None = None  # refused with MaxEnergyOnInvalidId: the meter's cap
    next_seq_no: int = 0
    started_at: float = 0.0  # station time: where Relative charging schedules start
    reservation_id: int | None = None  # the reservation this transaction used (ReserveNow)

    def take_seq_no(self) -> int:
        seq_no, self.next_seq_no = self.next_seq_no, self.next_seq_no + 1
        return seq_no


@dataclass(slots=True, eq=False)
class Reservation:
    """ReserveNow: the EVSE waits for this driver (or group) until ``expires_at`` (station time)."""

    reservation_id: int
    id_token: v201.IdToken
    group_id_token: v201.IdToken | None
    expires_at: float

    def admits(self, token: v201.IdToken) -> bool:
        # the group is matched on the token presented: the station learns a token's group only
        # from the CSMS, after the Authorize a reserved EVSE must not send for strangers
        return any(
            (token.id_token, token.type) == (held.id_token, held.type)
            for held in (self.id_token, self.group_id_token)
            if held is not None
        )


@dataclass(slots=True, eq=False)
class Evse:
    evse_id: int
    max_power_w: float
    meter: Meter
    plugged: bool = False
    token: v201.IdToken | None = None  # the authorization currently valid here
    remote_start_id: int | None = None
    authorizing: bool = False  # an Authorize for this EVSE is on its way
    operative: bool = True
    scheduled_operative: bool | None = None  # ChangeAvailability answered Scheduled: applied at tx end
    lock_fails_next: bool = False
    lock_faulted: bool = False
    faulted: bool = False  # a connector fault (set_connector_faulted): no new sessions, no energy
    needs_unplug: bool = False  # a session ended with the cable in: the next starts after a re-plug
    ev_demand_w: float = 0.0
    tx: ActiveTransaction | None = None
    reported_status: v201.ConnectorStatusEnum = "Available"
    limit_w: float | None = None  # the smart-charging limit in force, None: no profile limits
    reservation: Reservation | None = None

    def connector_status(self) -> v201.ConnectorStatusEnum:
        for rule, status in CONNECTOR_STATUS_RULES:
            if rule(self):
                return status
        raise AssertionError("the last connector status rule always matches")

    def charging_state(self) -> v201.ChargingStateEnum:
        for rule, state in CHARGING_STATE_RULES:
            if rule(self):
                return state
        raise AssertionError("the last charging state rule always matches")

    def power_w(self) -> float:
        if self.tx is None or self.charging_state() != "Charging":
            return 0.0
        return min(self.ev_demand_w, offered_power_w(self.max_power_w, self.limit_w))

    def close_power_path(self) -> bool:
        """The connector lock engages (authorized, cable in); True: it failed (``fail_next_lock``)
        and the connector is Faulted until the cable comes out."""
        if not self.lock_fails_next:
            return False
        self.lock_fails_next = False
        self.lock_faulted = True
        return True

    def use_reservation(self) -> None:
        """A transaction of the reserved driver ends the reservation (H01: it is used)."""
        reservation, tx = self.reservation, self.tx
        if reservation is None or tx is None or self.token is None or not reservation.admits(self.token):
            return
        tx.reservation_id = reservation.reservation_id
        self.reservation = None

    def may_start(self, start_points: list[str]) -> bool:
        if self.tx is not None or not self.operative or self.needs_unplug or self.faulted:
            return False
        return any(START_POINT_RULES.get(point, _never)(self) for point in start_points)

    def stop_reason(self, stop_points: list[str], stop_on_ev_disconnect: bool) -> v201.ReasonEnum | None:
        """Why the running transaction must end now, or None if it goes on."""
        tx = self.tx
        if tx is None:
            return None
        if tx.forced_reason is not None:
            return tx.forced_reason
        if not self.plugged and tx.ev_was_connected and stop_on_ev_disconnect:
            return tx.deauth_reason or "EVDisconnected"
        # with only EVConnected as stop point a deauthorized session lasts until the cable comes out
        if (
            self.token is None
            and tx.deauth_reason is not None
            and (not self.plugged or not _AUTHORIZATION_STOP_POINTS.isdisjoint(stop_points))
        ):
            return tx.deauth_reason
        return None


def _never(evse: Evse) -> bool:
    return False


def _energy_can_flow(evse: Evse) -> bool:
    return evse.plugged and evse.token is not None and not evse.lock_faulted and not evse.faulted


# first matching rule wins
CONNECTOR_STATUS_RULES: tuple[tuple[Callable[[Evse], bool], v201.ConnectorStatusEnum], ...] = (
    (lambda e: e.lock_faulted or e.faulted, "Faulted"),
    (lambda e: not e.operative and e.tx is None, "Unavailable"),
    (lambda e: e.plugged or e.tx is not None, "Occupied"),
    (lambda e: e.reservation is not None, "Reserved"),
    (lambda e: True, "Available"),
)

CHARGING_STATE_RULES: tuple[tuple[Callable[[Evse], bool], v201.ChargingStateEnum], ...] = (
    (lambda e: not e.plugged and e.tx is not None and e.tx.ev_was_connected, "SuspendedEV"),
    (lambda e: not e.plugged, "Idle"),
    (lambda e: e.token is None, "EVConnected"),
    (lambda e: e.lock_faulted or e.faulted or (e.tx is not None and e.tx.id_rejected), "SuspendedEVSE"),
    (lambda e: e.limit_w is not None and e.limit_w <= 0, "SuspendedEVSE"),  # a schedule's 0 W
    (lambda e: e.ev_demand_w <= 0, "SuspendedEV"),
    (lambda e: True, "Charging"),
)

# TxCtrlr.TxStartPoint: the transaction starts when ANY listed point is reached
START_POINT_RULES: dict[str, Callable[[Evse], bool]] = {
    "EVConnected": lambda e: e.plugged,
    "ParkingBayOccupancy": lambda e: e.plugged,  # no bay sensor: the cable is the first sign of an EV
    "Authorized": lambda e: e.token is not None,
    "PowerPathClosed": _energy_can_flow,
    "EnergyTransfer": lambda e: _energy_can_flow(e) and e.ev_demand_w > 0,
}

_AUTHORIZATION_STOP_POINTS = frozenset({"Authorized", "PowerPathClosed", "EnergyTransfer"})
