"""What the version-independent parts of the core (the call channel, boot and heartbeat) need from
a station, so that the OCPP 2.0.1 and the OCPP 1.6 cores share them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from fleet.station._clock import WallClock
    from fleet.station._config import StationConfig
    from fleet.station._connection import CallChannel
    from fleet.station._events import Event
    from fleet.station._timers import Timers


class ChannelSettings(Protocol):
    """The timing of CALLs: how long to wait for an answer, how often to retry a transaction message."""

    @property
    def message_timeout(self) -> int: ...
    @property
    def message_attempts(self) -> int: ...
    @property
    def message_attempt_interval(self) -> int: ...


class CoreSettings(ChannelSettings, Protocol):
    @property
    def heartbeat_interval(self) -> int: ...
    def set_heartbeat_interval(self, seconds: int) -> None: ...


class CoreContext(Protocol):
    """The parts of one station the shared modules use (``StationContext`` and ``Context16``)."""

    @property
    def config(self) -> StationConfig: ...
    @property
    def clock(self) -> WallClock: ...
    @property
    def timers(self) -> Timers: ...
    @property
    def events(self) -> list[Event]: ...
    @property
    def channel(self) -> CallChannel: ...
    @property
    def settings(self) -> CoreSettings: ...
