"""What an OCPP 1.6 station says about its connectors' status: a StatusNotification when the status
the table in ``_connector`` derives changes, and one for connector 0, the charge point as a whole
(``station_operative``: ChangeAvailability on connector 0)."""

from __future__ import annotations

from collections.abc import Iterable

from fleet.ocpp import v16
from fleet.station._events import ConnectorStatusChanged
from fleet.station._outgoing import OutgoingCall
from fleet.station.ocpp16._connector import Connector
from fleet.station.ocpp16._context import Context16


class ConnectorStatus:
    __slots__ = ("_ctx", "station_operative")

    def __init__(self, ctx: Context16) -> None:
        self._ctx = ctx
        self.station_operative = True  # connector 0: the charge point as a whole

    def sync(self, c: Connector, now: float) -> None:
        """Report the connector's status if it changed since it was last reported."""
        status = c.status()
        if status == c.reported_status:
            return
        c.reported_status = status
        self._ctx.events.append(ConnectorStatusChanged(c.connector_id, c.connector_id, status))
        # offline changes are not queued: the snapshot sent after the next boot supersedes them
        if self._ctx.channel.is_online:
            self.send(c, now)

    def send(self, c: Connector, now: float, *, csms_requested: bool = False) -> None:
        status = c.status()
        error: v16.ErrorCodeEnum = "NoError"
        if c.lock_faulted:
            error = "ConnectorLockFailure"
        elif c.faulted:
            error = "OtherError"
        self._send(c.connector_id, status, error, now, csms_requested)

    def send_station(self, now: float, *, csms_requested: bool = False) -> None:
        status: v16.StatusNotificationStatusEnum = "Available" if self.station_operative else "Unavailable"
        if self._ctx.channel.is_online or csms_requested:
            self._send(0, status, "NoError", now, csms_requested)

    def send_snapshot(self, connectors: Iterable[Connector], now: float) -> None:
        """After a boot: the charge point's status and every connector's, changed or not."""
        self.send_station(now)
        for c in connectors:
            c.reported_status = c.status()
            self.send(c, now)

    def _send(
        self,
        connector_id: int,
        status: v16.StatusNotificationStatusEnum,
        error: v16.ErrorCodeEnum,
        now: float,
        csms_requested: bool,
    ) -> None:
        request = v16.StatusNotificationRequest(
            connector_id=connector_id, error_code=error, status=status, timestamp=self._ctx.clock.at(now)
        )
        self._ctx.channel.send(
            OutgoingCall("StatusNotification", request, now, csms_requested=csms_requested), now
        )
