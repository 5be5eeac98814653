"""The transaction life cycle on the connectors of an OCPP 1.6 station. After every input
``reconcile`` compares the connector with the status table in ``_connector``: it starts a
transaction (StartTransaction) or ends one (StopTransaction), gives the connector its smart-charging
limit (``_connector_limits``) and the power that follows, and reports the status. The idTagInfo
the CSMS answers StartTransaction with can stop the energy. The table decides; this module only
sequences."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import msgspec

from fleet.ocpp import v16
from fleet.station._events import TransactionEnded, TransactionStarted
from fleet.station._invalid_id_energy import refuse_energy
from fleet.station._outgoing import OutgoingCall
from fleet.station.ocpp16._authorization import Authorizations
from fleet.station.ocpp16._connector import Connector, Transaction16, reservation_timer
from fleet.station.ocpp16._connector_limits import ConnectorLimits
from fleet.station.ocpp16._connector_status import ConnectorStatus
from fleet.station.ocpp16._context import Context16
from fleet.station.ocpp16._meter_values import MeterValues16
from fleet.station.ocpp16._samples import transaction_data
from fleet.station.ocpp16._smart_charging import ChargingProfiles
from fleet.station.ocpp16._transaction_ids import (
    UNKNOWN_ID,
    id_assigned,
    send_for_transaction,
    transaction_label,
)


class ConnectorTransactions:
    __slots__ = ("_auth", "_ctx", "_next_local_id", "_status", "limits", "meter_values")

    def __init__(
        self,
        ctx: Context16,
        connectors: Mapping[int, Connector],
        auth: Authorizations,
        profiles: ChargingProfiles,
        status: ConnectorStatus,
    ) -> None:
        self._ctx = ctx
        self._auth = auth
        self._status = status
        self._next_local_id = 1
        reconcile = self.reconcile  # one bound method for both: a station keeps it as long as it lives
        self.limits = ConnectorLimits(ctx, connectors, profiles, reconcile)
        self.meter_values = MeterValues16(ctx, connectors, reconcile)

    def reconcile(self, c: Connector, now: float) -> None:
        c.meter.advance(now)
        tx = c.tx
        if tx is None and c.may_start():
            tx = self._start(c, now)
        elif tx is not None and tx.stop_reason is not None:
            self._end(c, tx, tx.stop_reason, now)
        self.limits.apply(c, now)
        c.meter.set_power(c.power_w(), now)
        self._status.sync(c, now)

    def stop(self, c: Connector, reason: v16.ReasonEnum, now: float) -> None:
        if c.tx is not None:
            c.tx.stop_reason = reason
            self.reconcile(c, now)

    def _start(self, c: Connector, now: float) -> Transaction16:
        ctx = self._ctx
        assert c.id_tag is not None
        at = ctx.clock.at(now)
        reservation_id: int | msgspec.UnsetType = msgspec.UNSET
        if c.reservation is not None:
            reservation_id = c.reservation.reservation_id
            c.reservation = None
            ctx.timers.cancel(reservation_timer(c.connector_id))
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
            self.limits.profiles.install(c.connector_id, profile, tx.local_id, at)
            c.remote_profile = None
        request = v16.StartTransactionRequest(
            connector_id=c.connector_id,
            id_tag=tx.id_tag,
            meter_start=round(tx.meter_start_wh),
            timestamp=at,
            reservation_id=reservation_id,
        )
        self._send_start(c, tx, request, now)
        c.meter.reading_sent(c.connector_id, ctx.events)  # meterStart
        ctx.events.append(TransactionStarted(c.connector_id, transaction_label(tx), tx.offline))
        self.meter_values.transaction_started(c, now)
        return tx

    def _send_start(
        self, c: Connector, tx: Transaction16, request: v16.StartTransactionRequest, now: float
    ) -> None:
        """StartTransaction; its answer gives the transactionId, and a refused idTag stops the
        energy (StopTransactionOnInvalidId: the transaction ends; otherwise it is suspended, after
        MaxEnergyOnInvalidId Wh more)."""

        def on_result(response: v16.StartTransactionResponse, when: float) -> None:
            id_assigned(tx, response.transaction_id)
            self._auth.remember(tx.id_tag, response.id_tag_info)
            if response.id_tag_info.status != "Accepted" and c.tx is tx:
                if self._ctx.settings.flag("StopTransactionOnInvalidId"):
                    tx.stop_reason = "DeAuthorized"
                else:
                    allowance = self._ctx.settings.max_energy_on_invalid_id
                    suspended = partial(self.reconcile, c)
                    refuse_energy(self._ctx.timers, c, c.connector_id, tx, allowance, suspended, when)
                self.reconcile(c, when)

        def on_failure(code: str, when: float) -> None:
            id_assigned(tx, UNKNOWN_ID)

        self._ctx.channel.send(
            OutgoingCall("StartTransaction", request, now, on_result, on_failure, transactional=True), now
        )

    def _end(self, c: Connector, tx: Transaction16, reason: v16.ReasonEnum, now: float) -> None:
        ctx = self._ctx
        at = ctx.clock.at(now)
        c.meter.set_power(0.0, now)
        end = transaction_data(c.meter, ctx.settings.stop_txn_measurands, "Transaction.End", at)
        data = [sample for sample in (tx.begin_sample, end) if sample is not None]
        request = v16.StopTransactionRequest(
            meter_stop=round(c.meter.energy_wh),
            timestamp=at,
            transaction_id=UNKNOWN_ID,
            id_tag=tx.id_tag,
            reason=reason,
            transaction_data=data if data else msgspec.UNSET,
        )

        def on_result(response: v16.StopTransactionResponse, when: float) -> None:
            if not isinstance(response.id_tag_info, msgspec.UnsetType):
                self._auth.remember(tx.id_tag, response.id_tag_info)

        send_for_transaction(ctx.channel, tx, OutgoingCall("StopTransaction", request, now, on_result))
        c.meter.reading_sent(c.connector_id, ctx.events)  # meterStop: the transaction's last reading
        energy = c.meter.energy_wh - tx.meter_start_wh
        ctx.events.append(TransactionEnded(c.connector_id, transaction_label(tx), reason, energy))
        c.tx = None
        c.id_tag = None
        c.needs_unplug = c.plugged
        self.meter_values.transaction_ended(c)
        self.limits.profiles.transaction_ended(c.connector_id)
        if c.scheduled_operative is not None:
            c.operative, c.scheduled_operative = c.scheduled_operative, None
