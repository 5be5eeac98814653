"""The charging side of an OCPP 2.0.1 station: EV, driver and CSMS inputs per EVSE, each passed to
the part that decides what follows.

Every input mutates the EVSE, then the transaction life cycle (``_evse_transactions``) compares the
EVSE with the rule tables in ``_evse`` and emits what changed. The parts: who may charge
(``_evse_authorization``), the transactions (``_evse_transactions``, which also keeps each EVSE's
smart-charging limit, ``_evse_limits``), the connector status (``_evse_status``) and the monitors.
"""

from __future__ import annotations

from fleet.ocpp import v201
from fleet.station._charging_points import EvDemand, charging_points
from fleet.station._config import EvseState
from fleet.station._context import StationContext
from fleet.station._evse import Evse
from fleet.station._evse_authorization import EvseAuthorization
from fleet.station._evse_status import EvseStatus
from fleet.station._evse_transactions import EvseTransactions, connect_timer
from fleet.station._local_auth import LocalAuthorization
from fleet.station._monitoring import Monitor
from fleet.station._smart_charging import SmartCharging


class ChargingController(EvDemand[Evse]):
    __slots__ = ("_ctx", "authorization", "evses", "local_auth", "monitor", "smart", "status", "transactions")

    def __init__(self, ctx: StationContext) -> None:
        self._ctx = ctx
        self.evses: dict[int, Evse] = charging_points(ctx.config, Evse)
        self.monitor = Monitor(ctx)
        self.smart = SmartCharging(ctx)
        self.local_auth = LocalAuthorization(ctx.model)
        self.status = EvseStatus(ctx, self.monitor)
        self.transactions = EvseTransactions(ctx, self.evses, self.status, self.smart, self.local_auth)
        self.authorization = EvseAuthorization(ctx, self.local_auth, self.monitor, self.transactions)

    @property
    def has_transactions(self) -> bool:
        return any(evse.tx is not None for evse in self.evses.values())

    def state(self, evse_id: int) -> EvseState:
        evse = self.evses.get(evse_id)
        if evse is None:
            raise ValueError(
                f"station {self._ctx.config.station_id!r} has EVSEs 1..{len(self.evses)}, not {evse_id}"
            )
        return EvseState(
            evse_id=evse_id,
            connector_status=evse.connector_status(),
            transaction_id=evse.tx.transaction_id if evse.tx is not None else None,
            charging_state=evse.charging_state(),
            energy_wh=evse.meter.energy_wh,
            power_w=evse.meter.power_w,
            metered_at=evse.meter.integrated_to,
        )

    # --- the physical world -------------------------------------------------------------------

    def plug_in(self, evse: Evse, now: float) -> None:
        if evse.plugged:
            return
        evse.plugged = True
        self._ctx.timers.cancel(connect_timer(evse.evse_id))
        if evse.token is not None and evse.close_power_path():
            self.monitor.lock_problem(evse.evse_id, True, now)
        self.transactions.reconcile(evse, "CablePluggedIn", now)

    def unplug(self, evse: Evse, now: float) -> None:
        if not evse.plugged:
            return
        evse.plugged = False
        evse.needs_unplug = False
        if evse.lock_faulted:
            evse.lock_faulted = False
            self.monitor.lock_problem(evse.evse_id, False, now)
        if evse.tx is None:
            evse.token = None  # the driver walked away before a session started
        self.transactions.reconcile(evse, "EVCommunicationLost", now)

    # set_ev_demand: EvDemand

    def _ev_changed(self, evse: Evse, now: float) -> None:
        self.transactions.reconcile(evse, "ChargingStateChanged", now)

    def present_id_token(self, evse: Evse, id_token: str, token_type: str, now: float) -> None:
        self.authorization.present(evse, id_token, token_type, now)

    def fail_next_lock(self, evse: Evse) -> None:
        evse.lock_fails_next = True

    def set_faulted(self, evse: Evse, faulted: bool, now: float) -> None:
        """A connector fault: status Faulted and a Connector.Problem alert (NotifyEvent), a running
        session is suspended (SuspendedEVSE) until it clears; cleared, the status is derived again."""
        if evse.faulted == faulted:
            return
        evse.faulted = faulted
        self.transactions.reconcile(evse, "AbnormalCondition" if faulted else "ChargingStateChanged", now)
        self.monitor.connector_problem(evse.evse_id, faulted, now)

    # --- the whole station ---------------------------------------------------------------------

    def set_operative(self, evse: Evse, operative: bool, now: float) -> bool:
        """Apply or schedule an availability change; True when it had to be scheduled."""
        if evse.tx is not None and not operative:
            evse.scheduled_operative = False
            return True
        evse.operative = operative
        evse.scheduled_operative = None
        self.status.sync(evse, now)
        return False

    def end_all(self, reason: v201.ReasonEnum, trigger: v201.TriggerReasonEnum, now: float) -> None:
        """End every running transaction whatever the stop points say (a reset)."""
        for evse in self.evses.values():
            if evse.tx is not None:
                evse.tx.forced_reason = reason
                self.transactions.reconcile(evse, trigger, now)

    def send_status_snapshot(self, now: float) -> None:
        self.status.send_snapshot(self.evses.values(), now)
