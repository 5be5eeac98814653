"""Resets, firmware updates and diagnostics uploads of an OCPP 1.6 station: status notification
sequences on timers, and the reboot once the transaction messages are out.

A simulated station has nothing to download or upload, so each step takes a fixed time
(``DOWNLOAD_S``, ``INSTALL_S``, ``UPLOAD_S``) and always succeeds; installing waits until no
transaction runs (1.6 5.19 recommends not interrupting a charging session).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fleet.ocpp import v16
from fleet.station._boot import ready_to_reboot
from fleet.station._outgoing import OutgoingCall
from fleet.station.ocpp16._charging import Charging16
from fleet.station.ocpp16._context import Context16

DOWNLOAD_S = 30.0
INSTALL_S = 20.0
UPLOAD_S = 15.0
_IDLE_POLL_S = 30.0  # how often a downloaded firmware checks whether the transactions are over
_FIRMWARE_TIMER = "firmware"
_DIAGNOSTICS_TIMER = "diagnostics"

Reboot = Callable[[str, float], None]
"""(reason for the RebootRequested event, now)"""


class Maintenance16:
    def __init__(self, ctx: Context16, charging: Charging16, reboot: Reboot) -> None:
        self._ctx = ctx
        self._charging = charging
        self._reboot = reboot
        self._reboot_reason: str | None = None
        self.firmware_version = ctx.config.firmware_version
        self.firmware_status: v16.FirmwareStatusNotificationStatusEnum = "Idle"
        self.diagnostics_status: v16.DiagnosticsStatusNotificationStatusEnum = "Idle"
        self._new_firmware = ""
        self._uploads = 0

    # --- Reset ---------------------------------------------------------------------------------

    def reset(self, kind: v16.ResetTypeEnum, now: float) -> None:
        """Runs after the ResetResponse is queued: stop the transactions, reboot when they are out."""
        self._charging.stop_all("HardReset" if kind == "Hard" else "SoftReset", now)
        self._reboot_reason = "RemoteReset"
        self.maybe_reboot(now)

    def maybe_reboot(self, now: float) -> None:
        if self._reboot_reason is None or not ready_to_reboot(self._ctx, self._charging):
            return
        reason, self._reboot_reason = self._reboot_reason, None
        self._reboot(reason, now)

    # --- UpdateFirmware ------------------------------------------------------------------------

    def update_firmware(self, request: v16.UpdateFirmwareRequest, now: float) -> None:
        start = max(now, self._monotonic(request.retrieve_date))
        # the version a station reports after the update: the file name the CSMS pointed at
        name = request.location.rstrip("/").rsplit("/", 1)[-1] or "update"
        self._new_firmware = name[:50]
        self._ctx.timers.set(_FIRMWARE_TIMER, start, self._downloading)

    def _downloading(self, deadline: float, now: float) -> None:
        self._firmware("Downloading", deadline)
        self._ctx.timers.set(_FIRMWARE_TIMER, deadline + DOWNLOAD_S, self._downloaded)

    def _downloaded(self, deadline: float, now: float) -> None:
        self._firmware("Downloaded", deadline)
        self._ctx.timers.set(_FIRMWARE_TIMER, deadline, self._install_when_idle)

    def _install_when_idle(self, deadline: float, now: float) -> None:
        if self._charging.has_transactions:
            self._ctx.timers.set(_FIRMWARE_TIMER, deadline + _IDLE_POLL_S, self._install_when_idle)
            return
        self._firmware("Installing", deadline)
        self._ctx.timers.set(_FIRMWARE_TIMER, deadline + INSTALL_S, self._installed)

    def _installed(self, deadline: float, now: float) -> None:
        # the new firmware runs after the reboot; it says "Installed" once registered again
        self.firmware_version = self._new_firmware
        self._reboot_reason = "FirmwareUpdate"
        self.maybe_reboot(deadline)

    def after_boot(self, now: float) -> None:
        if self.firmware_status == "Installing":
            self._firmware("Installed", now)

    def _firmware(self, status: v16.FirmwareStatusNotificationStatusEnum, now: float) -> None:
        self.firmware_status = status
        self.send_firmware_status(now)

    def send_firmware_status(self, now: float, *, csms_requested: bool = False) -> None:
        request = v16.FirmwareStatusNotificationRequest(status=self.firmware_status)
        call = OutgoingCall("FirmwareStatusNotification", request, now, csms_requested=csms_requested)
        self._ctx.channel.send(call, now)

    # --- GetDiagnostics ------------------------------------------------------------------------

    def get_diagnostics(self, request: v16.GetDiagnosticsRequest, now: float) -> str:
        """The file name the upload will have; the upload starts after the response is queued."""
        self._uploads += 1
        stamp = self._ctx.clock.at(now).strftime("%Y%m%dT%H%M%SZ")
        return f"diagnostics-{self._ctx.config.station_id}-{stamp}-{self._uploads}.zip"[-255:]

    def start_upload(self, now: float) -> None:
        self._diagnostics("Uploading", now)
        self._ctx.timers.set(_DIAGNOSTICS_TIMER, now + UPLOAD_S, self._uploaded)

    def _uploaded(self, deadline: float, now: float) -> None:
        self._diagnostics("Uploaded", deadline)

    def _diagnostics(self, status: v16.DiagnosticsStatusNotificationStatusEnum, now: float) -> None:
        self.diagnostics_status = status
        self.send_diagnostics_status(now)

    def send_diagnostics_status(self, now: float, *, csms_requested: bool = False) -> None:
        request = v16.DiagnosticsStatusNotificationRequest(status=self.diagnostics_status)
        call = OutgoingCall("DiagnosticsStatusNotification", request, now, csms_requested=csms_requested)
        self._ctx.channel.send(call, now)

    def _monotonic(self, at: datetime) -> float:
        return at.timestamp() - self._ctx.clock.epoch
