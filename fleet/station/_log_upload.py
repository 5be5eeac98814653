"""OCPP 2.0.1 GetLog (N01): LogStatusNotification Uploading, then Uploaded after ``UPLOAD_S``
simulated seconds. Nothing is uploaded: a simulated station has no log worth the bandwidth, and a
load test measures the CSMS's side of the exchange, not a file server."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._outgoing import OutgoingCall

UPLOAD_S = 5.0
_TIMER = "log-upload"

Reply = tuple[msgspec.Struct, Callable[[], None] | None]


class LogUploads:
    def __init__(self, ctx: StationContext) -> None:
        self._ctx = ctx
        self.status: v201.UploadLogStatusEnum = "Idle"
        self._request_id: int | None = None
        self._uploads = 0

    def get_log(self, request: v201.GetLogRequest, now: float) -> Reply:
        busy = self._ctx.timers.is_set(_TIMER)
        self._ctx.timers.cancel(_TIMER)  # a new request cancels the upload in progress
        self._uploads += 1
        self._request_id = request.request_id
        stamp = self._ctx.clock.at(now).strftime("%Y%m%dT%H%M%SZ")
        name = f"{request.log_type}-{self._ctx.config.station_id}-{stamp}-{self._uploads}.log"
        response = v201.GetLogResponse(
            status="AcceptedCanceled" if busy else "Accepted", filename=name[-255:]
        )

        def start() -> None:
            self._notify("Uploading", now)
            self._ctx.timers.set(_TIMER, now + UPLOAD_S, self._uploaded)

        return response, start

    def _uploaded(self, deadline: float, now: float) -> None:
        self._notify("Uploaded", deadline)
        self.status = "Idle"

    def _notify(self, status: v201.UploadLogStatusEnum, now: float, *, csms_requested: bool = False) -> None:
        self.status = status
        request_id = self._request_id if status != "Idle" and self._request_id is not None else msgspec.UNSET
        request = v201.LogStatusNotificationRequest(status=status, request_id=request_id)
        call = OutgoingCall("LogStatusNotification", request, now, csms_requested=csms_requested)
        self._ctx.channel.send(call, now)

    def send_status(self, now: float) -> None:
        """TriggerMessage: Uploading while an upload runs, else Idle."""
        self._notify(self.status, now, csms_requested=True)
