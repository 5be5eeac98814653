"""The half of a station facade that is the same for OCPP 2.0.1 and 1.6: time and bytes in, events,
frames and deadlines out, and the physical inputs that only differ in the charging point they
reach (a 2.0.1 EVSE, a 1.6 connector). Each facade adds the inputs whose logic differs by version
(id tokens, DataTransfer) and its internals."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, Generic, Protocol, Self, TypeVar

from fleet.ocpp import LocalProtocolError
from fleet.station._boot import BootSequence
from fleet.station._connection import CHANNEL_TIMERS
from fleet.station._device_model import DeviceModel
from fleet.station._dispatch import IncomingFrames
from fleet.station._events import BootStatus, Event
from fleet.station._protocols import CoreContext

# a bounded number of timer rounds per handle_timer call: timers re-armed in the past fire again
_MAX_TIMER_ROUNDS = 64

ContextT = TypeVar("ContextT", bound=CoreContext)
PointT = TypeVar("PointT")
PointT_contra = TypeVar("PointT_contra", contravariant=True)


class ShellStation(Protocol):
    """The sans-IO shell API of DESIGN.md as a shell drives it: a station core (``StationCore``)
    or a station with behaviour around its core. The connection core (both live shells) and the
    virtual-time loop take it. Everything here is required; what only some stations can do is
    reached through ``core.security`` and ``behaviour``, typed, never looked up by name."""

    @property
    def station_id(self) -> str: ...
    @property
    def subprotocol(self) -> str:
        """The WebSocket subprotocol a shell offers for this station (its OCPP version)."""
        ...

    @property
    def calls_waiting(self) -> int:
        """CALLs queued behind the one in flight or held while offline: the send-queue depth."""
        ...

    @property
    def core(self) -> StationCore:
        """The OCPP core: the station itself, or the core inside the behaviour around it."""
        ...

    @property
    def behaviour(self) -> Behaviour | None:
        """The behaviour's own duties toward the shell; None: a station without them."""
        ...

    def connected(self, now: float) -> None: ...
    def disconnected(self, now: float) -> None: ...
    def receive(self, data: str | bytes, now: float) -> None: ...
    def events(self) -> list[Event]: ...
    def data_to_send(self) -> list[str]: ...
    def next_deadline(self) -> float | None: ...
    def handle_timer(self, now: float) -> None: ...


class StationCore(ShellStation, Protocol):
    """An OCPP core (``Station``, ``Station16``): the shell also stops its behaviour at the end
    of a run and then drives the core alone until everything it recorded reached the CSMS."""

    @property
    def calls_unanswered(self) -> int:
        """CALLs queued or in flight: 0 once everything the station recorded reached the CSMS."""
        ...

    @property
    def security(self) -> StationSecurity | None:
        """The security settings and event log (OCPP 2.0.1 cores); None: the core has none."""
        ...

    def stop_behaviour(self, now: float) -> None: ...


class StationSecurity(Protocol):
    """Optional part of a core: where its security settings live (the device model's
    SecurityCtrlr, which a CSMS SetVariables can change) and its security event log."""

    @property
    def device_model(self) -> DeviceModel: ...
    def report_security_event(self, event_type: str, now: float, tech_info: str | None = None) -> None: ...


class Behaviour(Protocol):
    """Optional duties of a station's behaviour toward the shell (``ProfileStation`` has them)."""

    def offline_until(self, now: float) -> float | None:
        """During a connectivity outage, when it ends (the shell drops the connection and stays
        away until then); None: no outage at ``now``."""
        ...

    def behaviour_events(self) -> Sequence[RemoteStartWish]:
        """What the behaviour wants from the CSMS side since the last call."""
        ...


class RemoteStartWish(Protocol):
    """A driver started a session from the app: the shell has the CSMS send
    RequestStartTransaction(evse_id, id_token) to the station when it can."""

    @property
    def evse_id(self) -> int: ...
    @property
    def id_token(self) -> str: ...


class PointCharging(Protocol[PointT_contra]):
    """The physical inputs both versions' charging parts take for one charging point."""

    def plug_in(self, point: PointT_contra, now: float, /) -> None: ...
    def unplug(self, point: PointT_contra, now: float, /) -> None: ...
    def set_faulted(self, point: PointT_contra, faulted: bool, now: float, /) -> None: ...
    def set_ev_demand(
        self,
        point: PointT_contra,
        power_w: float,
        soc_percent: float | None,
        now: float,
        phases: int | None,
        dc_voltage_v: float | None,
        /,
    ) -> None: ...


class StationShellApi(Generic[ContextT, PointT]):
    """What a shell drives. A facade sets ``_ctx``, ``_boot``, ``_incoming``, ``_charging``,
    ``_points`` (its charging part's points by id) and ``_maybe_reboot`` (its reset/maintenance
    part's ``maybe_reboot``, stored bound so a frame costs no extra lookup), names its points in
    ``_point_noun`` and implements ``_on_accepted``."""

    _ctx: ContextT
    _boot: BootSequence
    _incoming: IncomingFrames
    _charging: PointCharging[PointT]
    _points: Mapping[int, PointT]
    _point_noun: ClassVar[str]  # "EVSEs" or "connectors", for error messages
    _maybe_reboot: Callable[[float], None]

    # --- read-only state -----------------------------------------------------------------------

    behaviour: None = None  # a bare core has no behaviour around it

    @property
    def station_id(self) -> str:
        return self._ctx.config.station_id

    @property
    def core(self) -> Self:
        return self

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
        heard = now > channel.last_exchange_at
        if heard:
            channel.last_exchange_at = now
        try:
            self._incoming.receive(data, now)
        finally:
            if heard:  # after the frame: a SetVariables in it may have changed the interval
                self._boot.heard_from_csms(now)
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

    # --- the physical world --------------------------------------------------------------------

    def plug_in(self, evse_id: int, now: float) -> None:
        self._ctx.channel.observe(now)
        self._charging.plug_in(self._point(evse_id), now)
        self._maybe_reboot(now)

    def unplug(self, evse_id: int, now: float) -> None:
        self._ctx.channel.observe(now)
        self._charging.unplug(self._point(evse_id), now)
        self._maybe_reboot(now)

    def set_ev_demand(
        self,
        evse_id: int,
        power_w: float,
        soc_percent: float | None,
        now: float,
        phases: int | None = None,
        *,
        dc_voltage_v: float | None = None,
    ) -> None:
        """What the EV draws; ``phases``: how many of the EVSE's phases it draws on (default all),
        so the reported current per phase is power / (voltage x phases). ``dc_voltage_v`` (DC
        stations): the EV battery's voltage, reported as the DC link's, with current = power / it."""
        self._ctx.channel.observe(now)
        self._check_phases(phases)
        self._check_dc_voltage(dc_voltage_v)
        self._charging.set_ev_demand(self._point(evse_id), power_w, soc_percent, now, phases, dc_voltage_v)

    def set_connector_faulted(self, evse_id: int, faulted: bool, now: float) -> None:
        """A connector fault appears (or clears): Faulted status, no new sessions, no energy."""
        self._ctx.channel.observe(now)
        self._charging.set_faulted(self._point(evse_id), faulted, now)
        self._maybe_reboot(now)

    # --- internals -----------------------------------------------------------------------------

    def _point(self, evse_id: int) -> PointT:
        point = self._points.get(evse_id)
        if point is None:
            raise LocalProtocolError(
                f"station {self.station_id!r} has {self._point_noun} 1..{self._ctx.config.evse_count}, "
                f"not {evse_id!r}"
            )
        return point

    def _check_phases(self, phases: int | None) -> None:
        """``set_ev_demand``'s ``phases`` against the station's."""
        config = self._ctx.config
        if phases is not None and not 1 <= phases <= config.phases:
            raise LocalProtocolError(
                f"station {config.station_id!r}: set_ev_demand(phases={phases}) but its {self._point_noun} "
                f"have {config.phases} phase(s); pass 1..{config.phases} or None for all"
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
