"""OCPP 2.0.1 firmware updates (L01): the FirmwareStatusNotification sequence on timers, then a
reboot into the new version.

A simulated station has nothing to download or verify, so each step takes a fixed time of
simulated seconds and always succeeds: ``DOWNLOAD_S`` from Downloading to Downloaded (then
SignatureVerified at once when the request is signed), an InstallScheduled wait when
installDateTime is ahead, ``INSTALL_S`` from Installing to InstallRebooting, then the reboot
(``RebootRequested("FirmwareUpdate")``; the station boots with reason FirmwareUpdate and the new
``firmwareVersion``) and Installed once registered again. Installing waits until no transaction
runs (L01.FR.06 leaves the choice; interrupting a charging driver is the worse one), polling every
``IDLE_POLL_S``. The new version is the file name of ``firmware.location``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import msgspec

from fleet.ocpp import v201
from fleet.station._boot import ready_to_reboot
from fleet.station._charging import ChargingController
from fleet.station._context import StationContext
from fleet.station._outgoing import OutgoingCall

DOWNLOAD_S = 10.0
INSTALL_S = 5.0
IDLE_POLL_S = 10.0
_QUIET_POLL_S = 1.0  # how often the reboot checks that the transaction messages are out
_TIMER = "firmware-update"
_MAX_VERSION = 50  # BootNotification firmwareVersion

Reply = tuple[msgspec.Struct, Callable[[], None] | None]


class FirmwareUpdates:
    def __init__(
        self, ctx: StationContext, charging: ChargingController, reboot: Callable[[float], None]
    ) -> None:
        self._ctx = ctx
        self._charging = charging
        self._reboot = reboot
        self.status: v201.FirmwareStatusEnum = "Idle"
        self._request_id: int | None = None
        self._new_version = ""
        self._signed = False
        self._install_at: float | None = None
        self._installed_after_boot = False

    @property
    def busy(self) -> bool:
        return self._ctx.timers.is_set(_TIMER)

    def update(self, request: v201.UpdateFirmwareRequest, now: float) -> Reply:
        firmware = request.firmware
        status: v201.UpdateFirmwareStatusEnum = "AcceptedCanceled" if self.busy else "Accepted"
        self._ctx.timers.cancel(_TIMER)  # a newer request replaces the one in progress (L01.FR.24)
        self._request_id = request.request_id
        name = firmware.location.rstrip("/").rsplit("/", 1)[-1] or f"update-{request.request_id}"
        self._new_version = name[:_MAX_VERSION]
        self._signed = not isinstance(firmware.signature, msgspec.UnsetType)
        self._install_at = (
            None
            if isinstance(firmware.install_date_time, msgspec.UnsetType)
            else self._station_time(firmware.install_date_time)
        )
        start = max(now, self._station_time(firmware.retrieve_date_time))
        return v201.UpdateFirmwareResponse(status=status), lambda: self._ctx.timers.set(
            _TIMER, start, self._downloading
        )

    # --- the steps -----------------------------------------------------------------------------

    def _downloading(self, deadline: float, now: float) -> None:
        self._notify("Downloading", deadline)
        self._ctx.timers.set(_TIMER, deadline + DOWNLOAD_S, self._downloaded)

    def _downloaded(self, deadline: float, now: float) -> None:
        self._notify("Downloaded", deadline)
        if self._signed:
            self._notify("SignatureVerified", deadline)
        if self._install_at is not None and self._install_at > deadline:
            self._notify("InstallScheduled", deadline)
            self._ctx.timers.set(_TIMER, self._install_at, self._install_when_idle)
        else:
            self._install_when_idle(deadline, now)

    def _install_when_idle(self, deadline: float, now: float) -> None:
        if self._charging.has_transactions:
            self._ctx.timers.set(_TIMER, deadline + IDLE_POLL_S, self._install_when_idle)
            return
        self._notify("Installing", deadline)
        self._ctx.timers.set(_TIMER, deadline + INSTALL_S, self._installed)

    def _installed(self, deadline: float, now: float) -> None:
        # the CSMS hears InstallRebooting before the line goes: reboot once it is answered
        self.status = "InstallRebooting"
        call = OutgoingCall(
            "FirmwareStatusNotification",
            self._request(),
            deadline,
            on_result=lambda _response, at: self._reboot_when_quiet(at, at),
            on_failure=lambda _code, at: self._reboot_when_quiet(at, at),
        )
        self._ctx.timers.set(
            _TIMER, deadline + self._ctx.settings.message_timeout * 2, self._reboot_when_quiet
        )
        self._ctx.channel.send(call, deadline)

    def _reboot_when_quiet(self, deadline: float, now: float) -> None:
        if self.status != "InstallRebooting":
            return  # already rebooted (the answer and the safety timer both land here)
        if not ready_to_reboot(self._ctx, self._charging):
            self._ctx.timers.set(_TIMER, deadline + _QUIET_POLL_S, self._reboot_when_quiet)
            return
        self._ctx.timers.cancel(_TIMER)
        ctx = self._ctx
        ctx.config = dataclasses.replace(ctx.config, firmware_version=self._new_version)
        self.status = "Installed"
        self._installed_after_boot = True
        self._reboot(deadline)

    def after_boot(self, now: float) -> None:
        """Registered again after the reboot: the new firmware runs, Installed (L01)."""
        if self._installed_after_boot:
            self._installed_after_boot = False
            self._notify("Installed", now)
            self.status = "Idle"
            self._request_id = None

    # --- FirmwareStatusNotification ------------------------------------------------------------

    def _notify(self, status: v201.FirmwareStatusEnum, now: float) -> None:
        self.status = status
        self._ctx.channel.send(OutgoingCall("FirmwareStatusNotification", self._request(), now), now)

    def send_status(self, now: float) -> None:
        """TriggerMessage: the status of the update in progress, Idle when there is none."""
        request = self._request()
        self._ctx.channel.send(
            OutgoingCall("FirmwareStatusNotification", request, now, csms_requested=True), now
        )

    def _request(self) -> v201.FirmwareStatusNotificationRequest:
        # requestId names the update a status belongs to; Idle belongs to none (L01.FR.20)
        request_id = (
            self._request_id if self.status != "Idle" and self._request_id is not None else msgspec.UNSET
        )
        return v201.FirmwareStatusNotificationRequest(status=self.status, request_id=request_id)

    def _station_time(self, at: datetime) -> float:
        return at.timestamp() - self._ctx.clock.epoch
