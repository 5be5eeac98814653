"""MeterValues of an OCPP 1.6 station: periodic samples of a running transaction
(MeterValueSampleInterval), clock-aligned samples of the connectors (ClockAlignedDataInterval)
and samples the CSMS triggers. A transaction's samples wait for its transactionId
(``_transaction_ids``); each sample is taken after the connector is reconciled up to its time."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fleet.ocpp import v16
from fleet.station._outgoing import OutgoingCall
from fleet.station._timers import next_period
from fleet.station.ocpp16._connector import Connector
from fleet.station.ocpp16._context import Context16
from fleet.station.ocpp16._samples import meter_value
from fleet.station.ocpp16._transaction_ids import send_for_transaction

_ALIGNED_TIMER = "meter-aligned"


def _periodic_timer(connector_id: int) -> tuple[str, int]:
    return ("meter-periodic", connector_id)


class MeterValues16:
    __slots__ = ("_connectors", "_ctx", "_reconcile")

    def __init__(
        self,
        ctx: Context16,
        connectors: Mapping[int, Connector],
        reconcile: Callable[[Connector, float], None],
    ) -> None:
        self._ctx = ctx
        self._connectors = connectors
        self._reconcile = reconcile

    def transaction_started(self, c: Connector, now: float) -> None:
        interval = self._ctx.settings.sample_interval
        if interval > 0:
            self._ctx.timers.set(_periodic_timer(c.connector_id), now + interval, self._periodic(c))
        self.arm_aligned(now)

    def transaction_ended(self, c: Connector) -> None:
        self._ctx.timers.cancel(_periodic_timer(c.connector_id))

    def arm_aligned(self, now: float) -> None:
        interval = self._ctx.settings.aligned_interval
        if interval > 0 and not self._ctx.timers.is_set(_ALIGNED_TIMER):
            self._ctx.timers.set(_ALIGNED_TIMER, self._ctx.clock.next_aligned(now, interval), self._aligned)

    def send(
        self,
        c: Connector,
        context: v16.ContextEnum,
        measurands: list[str],
        now: float,
        *,
        csms_requested: bool = False,
    ) -> None:
        c.meter.advance(now)
        sample = meter_value(c.meter, measurands, context, self._ctx.clock.at(now))
        if sample is None:
            return
        c.meter.reading_sent(c.connector_id, self._ctx.events)
        request = v16.MeterValuesRequest(connector_id=c.connector_id, meter_value=[sample])
        call = OutgoingCall("MeterValues", request, now, csms_requested=csms_requested)
        if c.tx is None:
            self._ctx.channel.send(call, now)
        else:
            call.droppable = context in ("Sample.Periodic", "Sample.Clock")
            send_for_transaction(self._ctx.channel, c.tx, call)

    def _periodic(self, c: Connector) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            interval = self._ctx.settings.sample_interval
            if c.tx is None or interval <= 0:
                return
            self._reconcile(c, deadline)
            self.send(c, "Sample.Periodic", self._ctx.settings.sampled_measurands, deadline)
            self._ctx.timers.set(_periodic_timer(c.connector_id), next_period(deadline, interval, now), fire)

        return fire

    def _aligned(self, deadline: float, now: float) -> None:
        interval = self._ctx.settings.aligned_interval
        if interval <= 0:
            return
        online = self._ctx.channel.is_online
        for c in self._connectors.values():
            # idle connectors report only while online: there is no transaction to keep them for
            if c.tx is not None or online:
                self._reconcile(c, deadline)
                self.send(c, "Sample.Clock", self._ctx.settings.aligned_measurands, deadline)
        # re-align from the clock rather than add: the interval may have been changed meanwhile
        self._ctx.timers.set(_ALIGNED_TIMER, self._ctx.clock.next_aligned(now, interval), self._aligned)
