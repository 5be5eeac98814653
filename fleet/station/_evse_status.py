"""What an OCPP 2.0.1 station says about its EVSEs' connector status: a StatusNotification (G01)
when the status the rule tables in ``_evse`` derive changes, the AvailabilityState variables of
the device model, and the events of the monitors set on them (N04)."""

from __future__ import annotations

from collections.abc import Iterable

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._events import ConnectorStatusChanged
from fleet.station._evse import CONNECTOR_ID, Evse
from fleet.station._monitoring import Monitor
from fleet.station._outgoing import OutgoingCall


class EvseStatus:
    __slots__ = ("_ctx", "_monitor")

    def __init__(self, ctx: StationContext, monitor: Monitor) -> None:
        self._ctx = ctx
        self._monitor = monitor

    def sync(self, evse: Evse, now: float) -> None:
        """Report the EVSE's status if it changed since it was last reported."""
        status = evse.connector_status()
        if status == evse.reported_status:
            return
        evse.reported_status = status
        self._ctx.events.append(ConnectorStatusChanged(evse.evse_id, CONNECTOR_ID, status))
        model = self._ctx.model
        model.set_actual(
            "Connector", "AvailabilityState", status, evse_id=evse.evse_id, connector_id=CONNECTOR_ID
        )
        model.set_actual("EVSE", "AvailabilityState", status, evse_id=evse.evse_id)
        # offline changes are not queued: the snapshot sent after the next boot supersedes them
        if self._ctx.channel.is_online:
            self.send(evse, now)
            monitor = self._monitor
            monitor.variable_changed(
                "Connector", evse.evse_id, CONNECTOR_ID, "AvailabilityState", status, now
            )
            monitor.variable_changed("EVSE", evse.evse_id, None, "AvailabilityState", status, now)

    def send(self, evse: Evse, now: float, *, csms_requested: bool = False) -> None:
        request = v201.StatusNotificationRequest(
            timestamp=self._ctx.clock.at(now),
            connector_status=evse.reported_status,
            evse_id=evse.evse_id,
            connector_id=CONNECTOR_ID,
        )
        self._ctx.channel.send(
            OutgoingCall("StatusNotification", request, now, csms_requested=csms_requested), now
        )

    def send_snapshot(self, evses: Iterable[Evse], now: float) -> None:
        """After a boot: every EVSE's status, whether it changed or not."""
        for evse in evses:
            evse.reported_status = evse.connector_status()
            self.send(evse, now)
