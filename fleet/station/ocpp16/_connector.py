"""One OCPP 1.6 connector: physical state, authorization, reservation, availability, and the table
that derives its status (1.6 section 4.9) from that state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fleet.ocpp import v16
from fleet.station._meter import Meter
from fleet.station._schedule import offered_power_w


@dataclass(slots=True, eq=False)
class Reservation:
    reservation_id: int
    id_tag: str
    parent_id_tag: str | None
    expires_at: float  # monotonic station time


def reservation_timer(connector_id: int) -> tuple[str, int]:
    """Ends the connector's reservation at its expiry; a transaction of the holder cancels it."""
    return ("reservation", connector_id)


@dataclass(slots=True, eq=False)
class Transaction16:
    local_id: int  # ours, until the CSMS gives the transactionId (maybe much later, if offline)
    id_tag: str
    meter_start_wh: float
    started_at: float
    begin_sample: v16.TransactionData | None
    transaction_id: int | None = None
    offline: bool = False
    id_rejected: bool = False  # StartTransaction refused the tag but StopTransactionOnInvalidId is false
    invalid_id_limit_wh: float | None = None  # refused with MaxEnergyOnInvalidId: the meter's cap
    stop_reason: v16.ReasonEnum | None = None  # set: the transaction ends at the next reconcile
    # queued messages that need the CSMS's transactionId before they may go (offline start)
    waiting_for_id: list[Callable[[int], None]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Connector:
    connector_id: int
    max_power_w: float
    meter: Meter
    plugged: bool = False
    id_tag: str | None = None  # the authorization currently valid here
    authorizing: bool = False
    operative: bool = True
    scheduled_operative: bool | None = None  # ChangeAvailability answered Scheduled
    faulted: bool = False  # a connector fault (set_connector_faulted)
    lock_fails_next: bool = False
    lock_faulted: bool = False  # the plug lock failed: Faulted (ConnectorLockFailure) until unplugged
    needs_unplug: bool = False  # a session ended with the cable in: Finishing until it is pulled
    ev_demand_w: float = 0.0
    limit_w: float | None = None  # the smart-charging limit, None: none applies
    reservation: Reservation | None = None
    remote_profile: v16.ChargingProfile | None = None  # RemoteStartTransaction's, for its transaction
    tx: Transaction16 | None = None
    reported_status: v16.StatusNotificationStatusEnum | None = None

    def status(self) -> v16.StatusNotificationStatusEnum:
        return next(status for rule, status in STATUS_RULES if rule(self))

    def power_w(self) -> float:
        if self.status() != "Charging":
            return 0.0
        return min(self.ev_demand_w, offered_power_w(self.max_power_w, self.limit_w))

    def may_start(self) -> bool:
        return (
            self.tx is None
            and self.plugged
            and self.id_tag is not None
            and self.operative
            and not self.faulted
            and not self.lock_faulted
            and not self.needs_unplug
        )

    def reserved_for_other(self, id_tag: str, parent_id_tag: str | None) -> bool:
        reservation = self.reservation
        if reservation is None:
            return False
        if reservation.id_tag == id_tag:
            return False
        return reservation.parent_id_tag is None or reservation.parent_id_tag != parent_id_tag


def _suspended_by_evse(c: Connector) -> bool:
    assert c.tx is not None
    return c.tx.id_rejected or (c.limit_w is not None and c.limit_w <= 0)


# first matching rule wins
STATUS_RULES: tuple[tuple[Callable[[Connector], bool], v16.StatusNotificationStatusEnum], ...] = (
    (lambda c: c.faulted or c.lock_faulted, "Faulted"),
    (lambda c: not c.operative and c.tx is None, "Unavailable"),
    (lambda c: c.tx is not None and not c.plugged, "SuspendedEV"),
    (lambda c: c.tx is not None and _suspended_by_evse(c), "SuspendedEVSE"),
    (lambda c: c.tx is not None and c.ev_demand_w <= 0, "SuspendedEV"),
    (lambda c: c.tx is not None, "Charging"),
    (lambda c: c.needs_unplug, "Finishing"),
    (lambda c: c.reservation is not None, "Reserved"),
    (lambda c: c.plugged or c.id_tag is not None, "Preparing"),
    (lambda c: True, "Available"),
)
