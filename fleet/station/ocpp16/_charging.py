"""The charging side of an OCPP 1.6 station: driver, EV and CSMS inputs per connector, each passed to
the part that decides what follows.

Every input mutates the connector, then the transaction life cycle (``_connector_transactions``)
compares it with the status table in ``_connector`` and emits what changed. The parts: who may
charge (``_connector_authorization``), the transactions (``_connector_transactions``, which also
keeps each connector's smart-charging limit, ``_connector_limits``, and its MeterValues,
``_meter_values``) and the status (``_connector_status``). Reservations (``_reservations``) come
with the CSMS requests that make them.
"""

from __future__ import annotations

from fleet.ocpp import v16
from fleet.station._charging_points import EvDemand, charging_points
from fleet.station._config import EvseState
from fleet.station.ocpp16._authorization import Authorizations
from fleet.station.ocpp16._connector import Connector
from fleet.station.ocpp16._connector_authorization import (
    FREE_VEND_ID_TAG,
    ConnectorAuthorization,
    connection_timer,
)
from fleet.station.ocpp16._connector_status import ConnectorStatus
from fleet.station.ocpp16._connector_transactions import ConnectorTransactions
from fleet.station.ocpp16._context import Context16
from fleet.station.ocpp16._smart_charging import ChargingProfiles
from fleet.station.ocpp16._transaction_ids import transaction_label

__all__ = ["FREE_VEND_ID_TAG", "Charging16"]


class Charging16(EvDemand[Connector]):
    __slots__ = ("_ctx", "authorization", "connectors", "profiles", "status", "transactions")

    def __init__(self, ctx: Context16, auth: Authorizations, profiles: ChargingProfiles) -> None:
        self._ctx = ctx
        self.profiles = profiles
        self.connectors: dict[int, Connector] = charging_points(ctx.config, Connector)
        self.status = ConnectorStatus(ctx)
        self.transactions = ConnectorTransactions(ctx, self.connectors, auth, profiles, self.status)
        self.authorization = ConnectorAuthorization(ctx, auth, self.transactions)

    @property
    def has_transactions(self) -> bool:
        return any(c.tx is not None for c in self.connectors.values())

    def state(self, connector: Connector) -> EvseState:
        tx = connector.tx
        return EvseState(
            evse_id=connector.connector_id,
            connector_status=connector.status(),
            transaction_id=None if tx is None else transaction_label(tx),
            charging_state=connector.status(),
            energy_wh=connector.meter.energy_wh,
            power_w=connector.meter.power_w,
            metered_at=connector.meter.integrated_to,
        )

    # --- the physical world -------------------------------------------------------------------

    def plug_in(self, c: Connector, now: float) -> None:
        if c.plugged:
            return
        c.plugged = True
        self._ctx.timers.cancel(connection_timer(c.connector_id))
        if c.id_tag is not None and c.lock_fails_next:
            c.lock_fails_next, c.lock_faulted = False, True
        self.transactions.reconcile(c, now)

    def unplug(self, c: Connector, now: float) -> None:
        if not c.plugged:
            return
        c.plugged = False
        c.needs_unplug = False
        c.lock_faulted = False
        if c.tx is not None and self._ctx.settings.flag("StopTransactionOnEVSideDisconnect"):
            c.tx.stop_reason = "EVDisconnected"
        if c.tx is None:
            c.id_tag = None  # the driver walked away before a session started
        self.transactions.reconcile(c, now)

    # set_ev_demand: EvDemand

    def _ev_changed(self, c: Connector, now: float) -> None:
        self.transactions.reconcile(c, now)

    def set_faulted(self, c: Connector, faulted: bool, now: float) -> None:
        c.faulted = faulted
        self.transactions.reconcile(c, now)

    def present_id_tag(self, c: Connector, id_tag: str, now: float) -> None:
        self.authorization.present(c, id_tag, now)

    # --- the whole station ---------------------------------------------------------------------

    def set_operative(self, targets: list[Connector], operative: bool, now: float, *, station: bool) -> bool:
        """Apply or schedule an availability change; True when some of it had to be scheduled."""
        scheduled = False
        if station:
            self.status.station_operative = operative
        for c in targets:
            if c.tx is not None and not operative:
                c.scheduled_operative, scheduled = False, True
                continue
            c.operative, c.scheduled_operative = operative, None
            self.transactions.reconcile(c, now)
        if station:
            self.status.send_station(now)
        return scheduled

    def stop_all(self, reason: v16.ReasonEnum, now: float) -> None:
        for c in self.connectors.values():
            self.transactions.stop(c, reason, now)

    def send_status_snapshot(self, now: float) -> None:
        self.status.send_snapshot(self.connectors.values(), now)

    def arm_aligned(self, now: float) -> None:
        """Clock-aligned MeterValues start (after a boot, or ClockAlignedDataInterval set)."""
        self.transactions.meter_values.arm_aligned(now)
