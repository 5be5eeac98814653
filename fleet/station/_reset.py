"""Reset: Immediate ends running transactions first, OnIdle waits for them; either way the station
reboots once its transaction messages are out (or cannot be: offline, they stay queued)."""

from __future__ import annotations

from collections.abc import Callable

from fleet.ocpp import v201
from fleet.station._boot import ready_to_reboot
from fleet.station._charging import ChargingController
from fleet.station._context import StationContext


class ResetScheduler:
    def __init__(
        self, ctx: StationContext, charging: ChargingController, reboot: Callable[[float], None]
    ) -> None:
        self._ctx = ctx
        self._charging = charging
        self._reboot = reboot
        self.pending = False

    def request(self, kind: v201.ResetEnum) -> v201.ResetStatusEnum:
        busy = self._charging.has_transactions
        if self.pending:
            return "Scheduled" if busy else "Accepted"
        self.pending = True
        return "Scheduled" if busy and kind == "OnIdle" else "Accepted"

    def start(self, kind: v201.ResetEnum, now: float) -> None:
        """Runs after the ResetResponse is queued, so the CSMS hears the answer first."""
        if kind == "Immediate":
            self._charging.end_all("ImmediateReset", "ResetCommand", now)
        self.maybe_reboot(now)

    def maybe_reboot(self, now: float) -> None:
        if not self.pending or not ready_to_reboot(self._ctx, self._charging):
            return
        self.pending = False
        self._reboot(now)
