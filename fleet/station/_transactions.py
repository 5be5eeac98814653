"""TransactionEvent messages of one station: building them, seqNo, meter values inside them, and
the periodic / clock-aligned sampling timers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import msgspec

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._events import TransactionEnded, TransactionStarted
from fleet.station._evse import CONNECTOR_ID, ActiveTransaction, Evse
from fleet.station._outgoing import OutgoingCall
from fleet.station._timers import next_period

ResponseHook = Callable[[Evse, str, v201.TransactionEventResponse, float], None]
"""(evse, transaction id, response, now): lets the controller react to idTokenInfo."""

_METER_ONLY_TRIGGERS = frozenset({"MeterValuePeriodic", "MeterValueClock"})
_CLOCK_TIMER = "meter-clock"


def _periodic_timer(evse_id: int) -> tuple[str, int]:
    return ("meter-periodic", evse_id)


class TransactionReporter:
    def __init__(self, ctx: StationContext, evses: dict[int, Evse], on_response: ResponseHook) -> None:
        self._ctx = ctx
        self._evses = evses
        self._on_response = on_response

    def new_transaction(self, evse: Evse, now: float) -> ActiveTransaction:
        # a v4-shaped UUID from the station's own rng: unique across a fleet, reproducible per seed
        transaction_id = str(uuid.UUID(int=self._ctx.rng.getrandbits(128), version=4))
        return ActiveTransaction(
            transaction_id=transaction_id,
            energy_at_start_wh=evse.meter.energy_wh,
            offline=not self._ctx.channel.is_online,
            remote_start_id=evse.remote_start_id,
            ev_was_connected=evse.plugged,
        )

    def started(self, evse: Evse, tx: ActiveTransaction, trigger: v201.TriggerReasonEnum, now: float) -> None:
        settings = self._ctx.settings
        self._send(evse, tx, "Started", trigger, now, "Transaction.Begin", settings.tx_started_measurands)
        self._ctx.events.append(TransactionStarted(evse.evse_id, tx.transaction_id, tx.offline))
        interval = settings.tx_updated_interval
        if interval > 0:
            self._ctx.timers.set(_periodic_timer(evse.evse_id), now + interval, self._periodic(evse.evse_id))
        aligned = settings.aligned_interval
        if aligned > 0 and not self._ctx.timers.is_set(_CLOCK_TIMER):
            self._ctx.timers.set(
                _CLOCK_TIMER, self._ctx.clock.next_aligned(now, aligned), self._clock_aligned
            )

    def updated(
        self,
        evse: Evse,
        tx: ActiveTransaction,
        trigger: v201.TriggerReasonEnum,
        now: float,
        context: v201.ReadingContextEnum | None = None,
        measurands: list[str] | None = None,
    ) -> None:
        self._send(evse, tx, "Updated", trigger, now, context, measurands or [])

    def ended(
        self,
        evse: Evse,
        tx: ActiveTransaction,
        trigger: v201.TriggerReasonEnum,
        reason: v201.ReasonEnum,
        now: float,
    ) -> None:
        measurands = self._ctx.settings.tx_ended_measurands
        self._send(evse, tx, "Ended", trigger, now, "Transaction.End", measurands, stopped_reason=reason)
        energy = evse.meter.energy_wh - tx.energy_at_start_wh
        self._ctx.events.append(TransactionEnded(evse.evse_id, tx.transaction_id, reason, energy))
        self._ctx.timers.cancel(_periodic_timer(evse.evse_id))

    def _send(
        self,
        evse: Evse,
        tx: ActiveTransaction,
        event_type: v201.TransactionEventEnum,
        trigger: v201.TriggerReasonEnum,
        now: float,
        context: v201.ReadingContextEnum | None,
        measurands: list[str],
        *,
        stopped_reason: v201.ReasonEnum | None = None,
    ) -> None:
        ctx = self._ctx
        timestamp = ctx.clock.at(now)
        charging_state = evse.charging_state()
        tx.reported_charging_state = charging_state
        id_token: v201.IdToken | msgspec.UnsetType = msgspec.UNSET
        if evse.token is not None and not tx.token_reported:
            id_token, tx.token_reported = evse.token, True
        announce_remote = tx.remote_start_id is not None and (
            event_type == "Started" or trigger == "RemoteStart"
        )
        sample = self._reading(evse, context, measurands, timestamp)
        request = v201.TransactionEventRequest(
            event_type=event_type,
            timestamp=timestamp,
            trigger_reason=trigger,
            seq_no=tx.take_seq_no(),
            transaction_info=v201.Transaction(
                transaction_id=tx.transaction_id,
                charging_state=charging_state,
                stopped_reason=stopped_reason if stopped_reason is not None else msgspec.UNSET,
                remote_start_id=tx.remote_start_id
                if announce_remote and tx.remote_start_id is not None
                else msgspec.UNSET,
            ),
            meter_value=[sample] if sample is not None else msgspec.UNSET,
            offline=True if not ctx.channel.is_online else msgspec.UNSET,
            evse=v201.EVSE(id=evse.evse_id, connector_id=CONNECTOR_ID)
            if event_type == "Started"
            else msgspec.UNSET,
            id_token=id_token,
            reservation_id=tx.reservation_id
            if event_type == "Started" and tx.reservation_id is not None
            else msgspec.UNSET,
        )
        transaction_id = tx.transaction_id

        def on_result(response: v201.TransactionEventResponse, at: float) -> None:
            self._on_response(evse, transaction_id, response, at)

        call = OutgoingCall(
            "TransactionEvent",
            request,
            now,
            on_result=on_result,
            transactional=True,
            droppable=event_type == "Updated" and trigger in _METER_ONLY_TRIGGERS,
        )
        ctx.channel.send(call, now)

    def _reading(
        self,
        evse: Evse,
        context: v201.ReadingContextEnum | None,
        measurands: list[str],
        timestamp: datetime,
    ) -> v201.MeterValue | None:
        """The meter reading of a TransactionEvent with a reading context (None without one)."""
        if context is None:
            return None
        evse.meter.reading_sent(evse.evse_id, self._ctx.events)
        return evse.meter.sample(measurands, context, timestamp)

    def _periodic(self, evse_id: int) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            evse = self._evses[evse_id]
            interval = self._ctx.settings.tx_updated_interval
            if evse.tx is None or interval <= 0:
                return
            evse.meter.advance(deadline)
            measurands = self._ctx.settings.tx_updated_measurands
            self.updated(evse, evse.tx, "MeterValuePeriodic", deadline, "Sample.Periodic", measurands)
            self._ctx.timers.set(_periodic_timer(evse_id), next_period(deadline, interval, now), fire)

        return fire

    def _clock_aligned(self, deadline: float, now: float) -> None:
        interval = self._ctx.settings.aligned_interval
        running = [evse for evse in self._evses.values() if evse.tx is not None]
        if interval <= 0 or not running:
            return
        measurands = self._ctx.settings.aligned_measurands
        for evse in running:
            assert evse.tx is not None
            evse.meter.advance(deadline)
            self.updated(evse, evse.tx, "MeterValueClock", deadline, "Sample.Clock", measurands)
        # re-align from the clock rather than add: the interval may have been changed meanwhile
        self._ctx.timers.set(_CLOCK_TIMER, self._ctx.clock.next_aligned(now, interval), self._clock_aligned)

    def triggered(self, evse: Evse, now: float) -> None:
        if evse.tx is not None:
            evse.meter.advance(now)
            self.updated(evse, evse.tx, "Trigger", now, "Trigger", self._ctx.settings.tx_updated_measurands)
