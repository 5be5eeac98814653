"""Registration with the CSMS (BootNotification, retries while Pending/Rejected) and heartbeats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import msgspec

from fleet.ocpp import v201
from fleet.station._events import BootStatusChanged
from fleet.station._outgoing import OutgoingCall
from fleet.station._protocols import CoreContext
from fleet.station._timers import next_period

# when the CSMS gives no usable interval (0) or does not answer the boot at all
DEFAULT_BOOT_RETRY_S = 60
_BOOT_RETRY_TIMER = "boot-retry"
_HEARTBEAT_TIMER = "heartbeat"
_MAX_INTERVAL_S = 2**31 - 1

BootRequestBuilder = Callable[[v201.BootReasonEnum], msgspec.Struct]
"""The version's BootNotification request for a boot reason (OCPP 1.6 has no reason field)."""


class RunsTransactions(Protocol):
    @property
    def has_transactions(self) -> bool: ...


def ready_to_reboot(ctx: CoreContext, charging: RunsTransactions) -> bool:
    """Whether a reset or firmware reboot may go now: no transaction runs and, when online, every
    CALL the station queued has been answered (or timed out): the transaction messages (the
    Ended/StopTransaction ones) and the StatusNotifications that followed them, so closing the
    connection fails none of them. Offline the transaction messages stay queued across the reboot
    and the others are not kept, so there is nothing to wait for."""
    if charging.has_transactions:
        return False
    channel = ctx.channel
    return not channel.is_online or channel.calls_unanswered == 0


class BootSequence:
    def __init__(
        self,
        ctx: CoreContext,
        on_accepted: Callable[[float], None],
        build_request: BootRequestBuilder | None = None,
        heartbeat_request: Callable[[], msgspec.Struct] = v201.HeartbeatRequest,
    ) -> None:
        self._ctx = ctx
        self._on_accepted = on_accepted
        self._build_request = build_request if build_request is not None else self._v201_request
        self._heartbeat_request = heartbeat_request
        self.reason: v201.BootReasonEnum = "PowerUp"

    def power_cycle(self, reason: v201.BootReasonEnum) -> None:
        """The station restarts: it must register again, telling the CSMS why."""
        self.reason = reason
        self._ctx.channel.registration = None
        self._ctx.timers.cancel(_BOOT_RETRY_TIMER)
        self._ctx.timers.cancel(_HEARTBEAT_TIMER)

    def send_boot(self, now: float, reason: v201.BootReasonEnum | None = None) -> None:
        request = self._build_request(reason or self.reason)
        call = OutgoingCall("BootNotification", request, now, self._on_response, self._on_failure)
        self._ctx.channel.send(call, now)

    def _v201_request(self, reason: v201.BootReasonEnum) -> msgspec.Struct:
        config = self._ctx.config
        return v201.BootNotificationRequest(
            charging_station=v201.ChargingStation(
                model=config.model,
                vendor_name=config.vendor_name,
                serial_number=config.serial_number if config.serial_number is not None else msgspec.UNSET,
                firmware_version=config.firmware_version,
            ),
            reason=reason,
        )

    def _on_response(self, response: v201.BootNotificationResponse, now: float) -> None:
        ctx = self._ctx
        ctx.channel.registration = response.status
        ctx.events.append(BootStatusChanged(response.status, response.interval))
        # the schemas bound no interval: beyond 32 bits (68 years) it would overflow float timers
        interval = min(response.interval, _MAX_INTERVAL_S)
        if response.status == "Accepted":
            if interval > 0:
                ctx.settings.set_heartbeat_interval(interval)
            self._on_accepted(now)
        else:
            retry_in = interval if interval > 0 else DEFAULT_BOOT_RETRY_S
            ctx.timers.set(_BOOT_RETRY_TIMER, now + retry_in, self._retry)

    def _on_failure(self, code: str, now: float) -> None:
        if self._ctx.channel.connected:
            self._ctx.timers.set(_BOOT_RETRY_TIMER, now + DEFAULT_BOOT_RETRY_S, self._retry)

    def _retry(self, deadline: float, now: float) -> None:
        if self._ctx.channel.connected and self._ctx.channel.registration != "Accepted":
            self.send_boot(deadline)

    def start_heartbeat(self, now: float) -> None:
        self._ctx.timers.set(_HEARTBEAT_TIMER, now + self._ctx.settings.heartbeat_interval, self._beat)

    def heard_from_csms(self, at: float) -> None:
        """A frame came in: the next heartbeat is due a full interval of silence from ``at``.
        ``_beat`` would find the same when it fires (and re-arm itself then); moving the timer now
        spares every idle station a second wake-up per heartbeat (the answer to its own)."""
        self._ctx.timers.postpone(_HEARTBEAT_TIMER, at + self._ctx.settings.heartbeat_interval)

    def stop_heartbeat(self) -> None:
        self._ctx.timers.cancel(_HEARTBEAT_TIMER)

    def _beat(self, deadline: float, now: float) -> None:
        channel = self._ctx.channel
        if not channel.is_online:
            return
        interval = self._ctx.settings.heartbeat_interval
        quiet_until = channel.last_exchange_at + interval
        if quiet_until > deadline:
            # other messages went both ways meanwhile: wait for a full interval of silence
            self._ctx.timers.set(_HEARTBEAT_TIMER, quiet_until, self._beat)
            return
        self.send_heartbeat(deadline)
        self._ctx.timers.set(_HEARTBEAT_TIMER, next_period(deadline, interval, now), self._beat)

    def send_heartbeat(self, now: float, *, csms_requested: bool = False) -> None:
        call = OutgoingCall("Heartbeat", self._heartbeat_request(), now, csms_requested=csms_requested)
        self._ctx.channel.send(call, now)
