"""The charging side of an OCPP 1.6 station: driver, EV and CSMS inputs per connector, turned into
Authorize, StartTransaction/StopTransaction, MeterValues and StatusNotification.

Every input mutates the connector, then ``reconcile`` compares it with the status table in
``_connector`` and emits what changed. The table decides; this module only sequences.

1.6 transaction ids come from the CSMS. A transaction started offline has none until its queued
StartTransaction is answered, so the MeterValues and StopTransaction queued behind it are patched
with the id when it arrives (the queue is in order: they cannot leave before).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import msgspec

from fleet.ocpp import v16
from fleet.station._config import EvseState
from fleet.station._events import ConnectorStatusChanged, TransactionEnded, TransactionStarted
from fleet.station._meter import Meter
from fleet.station._outgoing import OutgoingCall
from fleet.station._timers import next_period
from fleet.station.ocpp16._authorization import Authorizations
from fleet.station.ocpp16._connector import Connector, Reservation, Transaction16
from fleet.station.ocpp16._context import Context16
from fleet.station.ocpp16._samples import meter_value, transaction_data
from fleet.station.ocpp16._smart_charging import ChargingProfiles

_ALIGNED_TIMER = "meter-aligned"
_UNKNOWN_ID = -1  # a transaction whose StartTransaction was never answered (retries exhausted)
_SCHEDULE_HORIZON_S = 86_400


def _timer(kind: str, connector_id: int) -> tuple[str, int]:
    return (kind, connector_id)


class Charging16:
    def __init__(self, ctx: Context16, auth: Authorizations, profiles: ChargingProfiles) -> None:
        self._ctx = ctx
        self._auth = auth
        self.profiles = profiles
        config = ctx.config
        self.connectors: dict[int, Connector] = {
            connector_id: Connector(
                connector_id,
                config.max_power_w,
                Meter.for_station(config),
            )
            for connector_id in range(1, config.evse_count + 1)
        }
        self.station_operative = True  # connector 0: the charge point as a whole
        self._next_local_id = 1

    @property
    def has_transactions(self) -> bool:
        return any(c.tx is not None for c in self.connectors.values())

    def state(self, connector: Connector) -> EvseState:
        tx = connector.tx
        return EvseState(
            evse_id=connector.connector_id,
            connector_status=connector.status(),
            transaction_id=None if tx is None else _transaction_label(tx),
            charging_state=connector.status(),
            energy_wh=connector.meter.energy_wh,
            power_w=connector.meter.power_w,
        )

    def _at(self, now: float) -> datetime:
        return self._ctx.clock.at(now)

    # --- the physical world -------------------------------------------------------------------

    def plug_in(self, c: Connector, now: float) -> None:
        if c.plugged:
            return
        c.plugged = True
        self._ctx.timers.cancel(_timer("connection-timeout", c.connector_id))
        if c.id_tag is not None and c.lock_fails_next:
            c.lock_fails_next, c.lock_faulted = False, True
        self.reconcile(c, now)

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
        self.reconcile(c, now)

    def set_ev_demand(
        self,
        c: Connector,
        power_w: float,
        soc_percent: float | None,
        now: float,
        phases: int | None,
        dc_voltage_v: float | None = None,
    ) -> None:
        c.meter.set_ev_readings(now, soc_percent, phases, dc_voltage_v)
        c.ev_demand_w = max(0.0, power_w)
        self.reconcile(c, now)

    def set_faulted(self, c: Connector, faulted: bool, now: float) -> None:
        c.faulted = faulted
        self.reconcile(c, now)

    def present_id_tag(self, c: Connector, id_tag: str, now: float) -> None:
        if c.tx is not None and c.tx.id_tag == id_tag:
            c.tx.stop_reason = "Local"
            self.reconcile(c, now)
            return
        if c.id_tag is not None:
            if c.id_tag == id_tag and c.tx is None:
                c.id_tag = None  # changed their mind before a session started
                self._ctx.timers.cancel(_timer("connection-timeout", c.connector_id))
                self.reconcile(c, now)
            return
        if c.authorizing or not c.operative or c.faulted or c.lock_faulted or c.needs_unplug:
            return
        info = self._auth.known(id_tag)
        parent = (
            None if info is None or isinstance(info.parent_id_tag, msgspec.UnsetType) else info.parent_id_tag
        )
        if c.reserved_for_other(id_tag, parent):
            return  # the connector is held for someone else
        self._authorize(c, id_tag, ask_csms=id_tag != FREE_VEND_ID_TAG, now=now)

    # --- authorization -------------------------------------------------------------------------

    def _authorize(self, c: Connector, id_tag: str, *, ask_csms: bool, now: float) -> None:
        at = self._at(now)
        if not ask_csms or (self._ctx.channel.is_online and self._auth.pre_authorized(id_tag, at)):
            self._grant(c, id_tag, now)
            return
        if not self._ctx.channel.is_online:
            if self._auth.offline_decision(id_tag, at):
                self._grant(c, id_tag, now)
            return
        c.authorizing = True

        def on_result(response: v16.AuthorizeResponse, when: float) -> None:
            c.authorizing = False
            self._auth.remember(id_tag, response.id_tag_info)
            if response.id_tag_info.status == "Accepted":
                self._grant(c, id_tag, when)

        def on_failure(code: str, when: float) -> None:
            c.authorizing = False
            if code in ("ConnectionLost", "Offline") and self._auth.offline_decision(id_tag, self._at(when)):
                self._grant(c, id_tag, when)

        request = v16.AuthorizeRequest(id_tag=id_tag)
        self._ctx.channel.send(OutgoingCall("Authorize", request, now, on_result, on_failure), now)

    def _grant(self, c: Connector, id_tag: str, now: float) -> None:
        if c.id_tag is not None:
            return
        c.id_tag = id_tag
        if c.plugged and c.lock_fails_next:
            c.lock_fails_next, c.lock_faulted = False, True
        if not c.plugged and (timeout := self._ctx.settings.connection_timeout) > 0:
            self._ctx.timers.set(
                _timer("connection-timeout", c.connector_id), now + timeout, self._connection_timeout(c)
            )
        self.reconcile(c, now)

    def _connection_timeout(self, c: Connector) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            if not c.plugged and c.tx is None and c.id_tag is not None:
                c.id_tag = None
                self.reconcile(c, deadline)

        return fire

    # --- CSMS requests -------------------------------------------------------------------------

    def remote_start(
        self, c: Connector, id_tag: str, profile: v16.ChargingProfile | None, now: float
    ) -> None:
        c.remote_profile = profile
        self._authorize(c, id_tag, ask_csms=self._ctx.settings.flag("AuthorizeRemoteTxRequests"), now=now)

    def stop(self, c: Connector, reason: v16.ReasonEnum, now: float) -> None:
        if c.tx is not None:
            c.tx.stop_reason = reason
            self.reconcile(c, now)

    def stop_all(self, reason: v16.ReasonEnum, now: float) -> None:
        for c in self.connectors.values():
            self.stop(c, reason, now)

    def set_operative(self, targets: list[Connector], operative: bool, now: float, *, station: bool) -> bool:
        """Apply or schedule an availability change; True when some of it had to be scheduled."""
        scheduled = False
        if station:
            self.station_operative = operative
        for c in targets:
            if c.tx is not None and not operative:
                c.scheduled_operative, scheduled = False, True
                continue
            c.operative, c.scheduled_operative = operative, None
            self.reconcile(c, now)
        if station:
            self.send_station_status(now)
        return scheduled

    def reserve(self, c: Connector, reservation: Reservation, now: float) -> v16.ReserveNowStatusEnum:
        if c.faulted or c.lock_faulted:
            return "Faulted"
        if not c.operative:
            return "Unavailable"
        held = c.reservation is not None and c.reservation.reservation_id != reservation.reservation_id
        if c.tx is not None or c.plugged or c.id_tag is not None or c.needs_unplug or held:
            return "Occupied"
        c.reservation = reservation
        self._ctx.timers.set(_timer("reservation", c.connector_id), reservation.expires_at, self._expire(c))
        self.reconcile(c, now)
        return "Accepted"

    def cancel_reservation(self, reservation_id: int, now: float) -> bool:
        for c in self.connectors.values():
            if c.reservation is not None and c.reservation.reservation_id == reservation_id:
                self._end_reservation(c, now)
                return True
        return False

    def _expire(self, c: Connector) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            if c.reservation is not None:
                self._end_reservation(c, deadline)

        return fire

    def _end_reservation(self, c: Connector, now: float) -> None:
        c.reservation = None
        self._ctx.timers.cancel(_timer("reservation", c.connector_id))
        self.reconcile(c, now)

    # --- reconciling state with the table ------------------------------------------------------

    def reconcile(self, c: Connector, now: float) -> None:
        c.meter.advance(now)
        tx = c.tx
        if tx is None and c.may_start():
            tx = self._start(c, now)
        elif tx is not None and tx.stop_reason is not None:
            self._end(c, tx, tx.stop_reason, now)
        self._apply_limit(c, now)
        c.meter.set_power(c.power_w(), now)
        self.sync_status(c, now)

    def _apply_limit(self, c: Connector, now: float) -> None:
        """The seam to smart charging: the limit in force now, and when it may change next."""
        at = self._at(now)
        tx_start = None if c.tx is None else self._at(c.tx.started_at)
        c.limit_w = self.profiles.limit_w(c.connector_id, tx_start, at)
        key = _timer("charging-limit", c.connector_id)
        change = self.profiles.next_change(tx_start, at, _SCHEDULE_HORIZON_S)
        if change is None:
            self._ctx.timers.cancel(key)
        else:
            self._ctx.timers.set(key, now + change, lambda deadline, _now: self.reconcile(c, deadline))

    def _start(self, c: Connector, now: float) -> Transaction16:
        ctx = self._ctx
        assert c.id_tag is not None
        at = self._at(now)
        reservation_id: int | msgspec.UnsetType = msgspec.UNSET
        if c.reservation is not None:
            reservation_id = c.reservation.reservation_id
            c.reservation = None
            ctx.timers.cancel(_timer("reservation", c.connector_id))
        tx = c.tx = Transaction16(
            local_id=self._next_local_id,
            id_tag=c.id_tag,
            meter_start_wh=c.meter.energy_wh,
            started_at=now,
            begin_sample=transaction_data(c.meter, ctx.settings.stop_txn_measurands, "Transaction.Begin", at),
            offline=not ctx.channel.is_online,
        )
        self._next_local_id += 1
        if c.remote_profile is not None:
            profile = msgspec.convert(msgspec.to_builtins(c.remote_profile), v16.CsChargingProfiles)
            self.profiles.install(c.connector_id, profile, tx.local_id, at)
            c.remote_profile = None
        request = v16.StartTransactionRequest(
            connector_id=c.connector_id,
            id_tag=tx.id_tag,
            meter_start=round(tx.meter_start_wh),
            timestamp=at,
            reservation_id=reservation_id,
        )

        def on_result(response: v16.StartTransactionResponse, when: float) -> None:
            self._id_assigned(tx, response.transaction_id)
            self._auth.remember(tx.id_tag, response.id_tag_info)
            if response.id_tag_info.status != "Accepted" and c.tx is tx:
                if ctx.settings.flag("StopTransactionOnInvalidId"):
                    tx.stop_reason = "DeAuthorized"
                else:
                    tx.id_rejected = True
                self.reconcile(c, when)

        def on_failure(code: str, when: float) -> None:
            self._id_assigned(tx, _UNKNOWN_ID)

        ctx.channel.send(
            OutgoingCall("StartTransaction", request, now, on_result, on_failure, transactional=True), now
        )
        ctx.events.append(TransactionStarted(c.connector_id, _transaction_label(tx), tx.offline))
        interval = ctx.settings.sample_interval
        if interval > 0:
            ctx.timers.set(_timer("meter-periodic", c.connector_id), now + interval, self._periodic(c))
        self.arm_aligned(now)
        return tx

    def _id_assigned(self, tx: Transaction16, transaction_id: int) -> None:
        tx.transaction_id = transaction_id
        for patch in tx.waiting_for_id:
            patch(transaction_id)
        tx.waiting_for_id.clear()

    def _end(self, c: Connector, tx: Transaction16, reason: v16.ReasonEnum, now: float) -> None:
        ctx = self._ctx
        at = self._at(now)
        c.meter.set_power(0.0, now)
        end = transaction_data(c.meter, ctx.settings.stop_txn_measurands, "Transaction.End", at)
        data = [sample for sample in (tx.begin_sample, end) if sample is not None]
        request = v16.StopTransactionRequest(
            meter_stop=round(c.meter.energy_wh),
            timestamp=at,
            transaction_id=_UNKNOWN_ID,
            id_tag=tx.id_tag,
            reason=reason,
            transaction_data=data if data else msgspec.UNSET,
        )

        def on_result(response: v16.StopTransactionResponse, when: float) -> None:
            if not isinstance(response.id_tag_info, msgspec.UnsetType):
                self._auth.remember(tx.id_tag, response.id_tag_info)

        self.send_for_transaction(tx, OutgoingCall("StopTransaction", request, now, on_result))
        energy = c.meter.energy_wh - tx.meter_start_wh
        ctx.events.append(TransactionEnded(c.connector_id, _transaction_label(tx), reason, energy))
        c.tx = None
        c.id_tag = None
        c.needs_unplug = c.plugged
        ctx.timers.cancel(_timer("meter-periodic", c.connector_id))
        self.profiles.transaction_ended(c.connector_id)
        if c.scheduled_operative is not None:
            c.operative, c.scheduled_operative = c.scheduled_operative, None

    def send_for_transaction(self, tx: Transaction16, call: OutgoingCall) -> None:
        """Queue a transaction message; its transactionId is filled in now or once the CSMS gave it."""
        call.transactional = True

        def patch(transaction_id: int) -> None:
            call.payload = msgspec.structs.replace(call.payload, transaction_id=transaction_id)

        if tx.transaction_id is not None:
            patch(tx.transaction_id)
        else:
            tx.waiting_for_id.append(patch)
        self._ctx.channel.send(call, call.intended_at)

    # --- meter values --------------------------------------------------------------------------

    def _periodic(self, c: Connector) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            interval = self._ctx.settings.sample_interval
            if c.tx is None or interval <= 0:
                return
            self.reconcile(c, deadline)
            self.send_meter_values(c, "Sample.Periodic", self._ctx.settings.sampled_measurands, deadline)
            self._ctx.timers.set(
                _timer("meter-periodic", c.connector_id), next_period(deadline, interval, now), fire
            )

        return fire

    def arm_aligned(self, now: float) -> None:
        interval = self._ctx.settings.aligned_interval
        if interval > 0 and not self._ctx.timers.is_set(_ALIGNED_TIMER):
            self._ctx.timers.set(_ALIGNED_TIMER, self._ctx.clock.next_aligned(now, interval), self._aligned)

    def _aligned(self, deadline: float, now: float) -> None:
        interval = self._ctx.settings.aligned_interval
        if interval <= 0:
            return
        online = self._ctx.channel.is_online
        for c in self.connectors.values():
            # idle connectors report only while online: there is no transaction to keep them for
            if c.tx is not None or online:
                self.reconcile(c, deadline)
                self.send_meter_values(c, "Sample.Clock", self._ctx.settings.aligned_measurands, deadline)
        # re-align from the clock rather than add: the interval may have been changed meanwhile
        self._ctx.timers.set(_ALIGNED_TIMER, self._ctx.clock.next_aligned(now, interval), self._aligned)

    def send_meter_values(
        self,
        c: Connector,
        context: v16.ContextEnum,
        measurands: list[str],
        now: float,
        *,
        csms_requested: bool = False,
    ) -> None:
        c.meter.advance(now)
        sample = meter_value(c.meter, measurands, context, self._at(now))
        if sample is None:
            return
        request = v16.MeterValuesRequest(connector_id=c.connector_id, meter_value=[sample])
        call = OutgoingCall("MeterValues", request, now, csms_requested=csms_requested)
        if c.tx is None:
            self._ctx.channel.send(call, now)
        else:
            call.droppable = context in ("Sample.Periodic", "Sample.Clock")
            self.send_for_transaction(c.tx, call)

    # --- status --------------------------------------------------------------------------------

    def sync_status(self, c: Connector, now: float) -> None:
        status = c.status()
        if status == c.reported_status:
            return
        c.reported_status = status
        self._ctx.events.append(ConnectorStatusChanged(c.connector_id, c.connector_id, status))
        # offline changes are not queued: the snapshot sent after the next boot supersedes them
        if self._ctx.channel.is_online:
            self.send_status(c, now)

    def send_status(self, c: Connector, now: float, *, csms_requested: bool = False) -> None:
        status = c.status()
        error: v16.ErrorCodeEnum = "NoError"
        if c.lock_faulted:
            error = "ConnectorLockFailure"
        elif c.faulted:
            error = "OtherError"
        self._send_status(c.connector_id, status, error, now, csms_requested)

    def send_station_status(self, now: float, *, csms_requested: bool = False) -> None:
        status: v16.StatusNotificationStatusEnum = "Available" if self.station_operative else "Unavailable"
        if self._ctx.channel.is_online or csms_requested:
            self._send_status(0, status, "NoError", now, csms_requested)

    def _send_status(
        self,
        connector_id: int,
        status: v16.StatusNotificationStatusEnum,
        error: v16.ErrorCodeEnum,
        now: float,
        csms_requested: bool,
    ) -> None:
        request = v16.StatusNotificationRequest(
            connector_id=connector_id, error_code=error, status=status, timestamp=self._at(now)
        )
        self._ctx.channel.send(
            OutgoingCall("StatusNotification", request, now, csms_requested=csms_requested), now
        )

    def send_status_snapshot(self, now: float) -> None:
        self.send_station_status(now)
        for c in self.connectors.values():
            c.reported_status = c.status()
            self.send_status(c, now)


FREE_VEND_ID_TAG = "FreeVend"  # what a station without authorization (start button) sends as idTag


def _transaction_label(tx: Transaction16) -> str:
    """The transaction's id for events and EvseState: the CSMS's once known, else a local one."""
    return str(tx.transaction_id) if tx.transaction_id is not None else f"local-{tx.local_id}"
