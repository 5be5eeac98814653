"""The shell-facing half of a station facade, the same for OCPP 2.0.1 and 1.6: time and bytes in,
events, frames and deadlines out. Each facade adds its version's physical inputs and internals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from fleet.ocpp import LocalProtocolError
from fleet.station._boot import BootSequence
from fleet.station._connection import CHANNEL_TIMERS
from fleet.station._dispatch import IncomingFrames
from fleet.station._events import BootStatus, Event
from fleet.station._protocols import CoreContext

# a bounded number of timer rounds per handle_timer call: timers re-armed in the past fire again
_MAX_TIMER_ROUNDS = 64

ContextT = TypeVar("ContextT", bound=CoreContext)


class StationShellApi(Generic[ContextT]):
    """What a shell drives. A facade sets ``_ctx``, ``_boot``, ``_incoming`` and ``_maybe_reboot``
    (its reset/maintenance part's ``maybe_reboot``, stored bound so a frame costs no extra lookup)
    and implements ``_on_accepted``."""

    _ctx: ContextT
    _boot: BootSequence
    _incoming: IncomingFrames
    _maybe_reboot: Callable[[float], None]

    # --- read-only state -----------------------------------------------------------------------

    @property
    def station_id(self) -> str:
        return self._ctx.config.station_id

    @property
    def is_connected(self) -> bool:
        return self._ctx.channel.connected

    @property
    def boot_status(self) -> BootStatus | None:
        return self._ctx.channel.registration

    @property
    def queued_transaction_messages(self) -> int:
        return len(self._ctx.channel.transactions)

    @property
    def calls_waiting(self) -> int:
        """CALLs queued behind the one in flight or held while offline: the send-queue depth."""
        return self._ctx.channel.calls_waiting

    @property
    def calls_unanswered(self) -> int:
        """CALLs queued or in flight: 0 once everything the station recorded reached the CSMS."""
        return self._ctx.channel.calls_unanswered

    # --- the shell's side ----------------------------------------------------------------------

    def stop_behaviour(self, now: float) -> None:
        """The run is ending: cancel every timer but the channel's own (a CALL's timeout, a
        transaction message's retry), so from now on the station only sends what it has queued:
        no heartbeats, meter values or scheduled work that would make new messages. Running
        transactions are not ended: a real fleet does not stop charging because a test ends."""
        channel = self._ctx.channel
        channel.observe(now)
        self._ctx.timers.keep_only(CHANNEL_TIMERS)

    def connected(self, now: float) -> None:
        channel = self._ctx.channel
        channel.observe(now)
        if channel.connected:
            raise LocalProtocolError(f"station {self.station_id!r}: connected() twice without disconnected()")
        channel.connection_up()
        if channel.registration == "Accepted":
            self._on_accepted(now)  # same power cycle: no new boot needed (OCPP 2.0.1 B04)
        else:
            self._boot.send_boot(now)

    def disconnected(self, now: float) -> None:
        channel = self._ctx.channel
        channel.observe(now)
        channel.connection_down(now)
        self._boot.stop_heartbeat()
        self._maybe_reboot(now)

    def receive(self, data: str | bytes, now: float) -> None:
        channel = self._ctx.channel
        channel.observe(now)
        if now > channel.last_exchange_at:
            channel.last_exchange_at = now
        try:
            self._incoming.receive(data, now)
        finally:
            self._maybe_reboot(now)

    def events(self) -> list[Event]:
        # the shells drain after every input, and most drains find nothing
        events = self._ctx.events
        if not events:
            return []
        drained = events[:]
        events.clear()  # the list is shared with the channel: empty it, do not replace it
        return drained

    def data_to_send(self) -> list[str]:
        channel = self._ctx.channel
        frames = channel.outbox
        if not frames:
            return []
        channel.outbox = []
        return frames

    def next_deadline(self) -> float | None:
        return self._ctx.timers.next_deadline()

    def handle_timer(self, now: float) -> None:
        self._ctx.channel.observe(now)
        timers = self._ctx.timers
        for _ in range(_MAX_TIMER_ROUNDS):
            due = timers.pop_due(now)
            if not due:
                break
            for deadline, callback in due:
                callback(deadline, now)
        self._maybe_reboot(now)

    def _check_phases(self, phases: int | None, points: str) -> None:
        """``set_ev_demand``'s ``phases`` against the station's; ``points``: "EVSEs" or "connectors"."""
        config = self._ctx.config
        if phases is not None and not 1 <= phases <= config.phases:
            raise LocalProtocolError(
                f"station {config.station_id!r}: set_ev_demand(phases={phases}) but its {points} have "
                f"{config.phases} phase(s); pass 1..{config.phases} or None for all"
            )

    def _check_dc_voltage(self, dc_voltage_v: float | None) -> None:
        config = self._ctx.config
        if dc_voltage_v is not None and (config.current != "DC" or not dc_voltage_v > 0):
            raise LocalProtocolError(
                f"station {config.station_id!r} ({config.current}): set_ev_demand(dc_voltage_v="
                f"{dc_voltage_v}) is for DC stations, in volts > 0; leave it None on AC stations"
            )

    def _on_accepted(self, now: float) -> None:
        raise NotImplementedError  # each facade knows what follows an accepted boot
