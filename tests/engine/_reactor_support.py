"""One station on a reactor of its own, as the fleet's station pool builds and adds each station
(fleet/engine/_station_pool.py), and a station double that keeps what it received."""

from __future__ import annotations

import random
from collections.abc import Callable

import trio

from fleet.behaviour import Backoff
from fleet.connection import ConnectionSettings, StationConnection, station_credentials
from fleet.engine._clock import trio_speed_clock
from fleet.engine._reactor import Reactor
from fleet.identity import ClientSecurity, StationIdentity
from fleet.metrics import RunRecorder
from fleet.ocpp import v201
from fleet.station import Event, ShellStation

# a connection that ends stays down for the rest of a test (no second connect to the test's peer)
NO_RECONNECT = Backoff(initial_s=1e6, max_s=1e6)


class ErrorLog(RunRecorder):
    """A run recorder that also keeps every error in order."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[tuple[str, str]] = []

    def error(
        self, kind: str, message: str, *, station_id: str | None = None, at_s: float | None = None
    ) -> None:
        super().error(kind, message, station_id=station_id, at_s=at_s)
        self.errors.append((kind, message))


class ReactorStation:
    """``station`` connecting to ``url`` through a ``StationConnection`` on a ``Reactor`` of its
    own. ``await nursery.start(it.run)`` starts it; ``await it.stop()`` ends the run (the reactor
    closes the connection politely, bounded by ``close_timeout_s``)."""

    def __init__(
        self,
        url: str,
        station: ShellStation,
        recorder: RunRecorder,
        *,
        station_id: str = "CS-1",
        security: ClientSecurity | None = None,
        identity: StationIdentity | None = None,
        connect_timeout_s: float = 5.0,
        close_timeout_s: float = 2.0,
        backoff: Backoff | None = None,
        local_address: str | None = None,
    ) -> None:
        settings = ConnectionSettings(
            trio_speed_clock(),
            connect_timeout_s=connect_timeout_s,
            close_timeout_s=close_timeout_s,
            backoff=backoff,
        )
        credentials = station_credentials(
            security if security is not None else ClientSecurity(),
            identity if identity is not None else StationIdentity(station_id),
            station,
        )
        self.conn = StationConnection(
            station_id, station, url, settings, recorder, random.Random(2), credentials
        )
        self.reactor = Reactor(close_timeout_s=close_timeout_s)
        self.stopped = trio.Event()
        self._local_address = local_address
        self._scope = trio.CancelScope()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            await self.reactor.resolve(self.conn.url)
            with self._scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self.reactor.run, name="reactor")
                    self.reactor.add(self.conn, self._local_address)
                    task_status.started()
        finally:
            self.stopped.set()

    async def stop(self) -> None:
        self._scope.cancel()
        await self.stopped.wait()


class RecordingStation:
    """A station double: sends ``greeting`` once connected, keeps every message it receives, and
    fires its timers at ``timers`` (real seconds on the test's clock; no OCPP). A core of its
    own (``StationCore``), with no behaviour and no security settings."""

    station_id = "CS-1"
    subprotocol = v201.SUBPROTOCOL
    calls_waiting = 0
    calls_unanswered = 0
    behaviour = None
    security = None

    def __init__(self, greeting: tuple[str, ...] = (), timers: tuple[float, ...] = ()) -> None:
        self.received: list[str | bytes] = []
        self.fired: list[float] = []
        self.connects = 0
        self.disconnects = 0
        self._outbox = list(greeting)
        self._timers = sorted(timers)
        self._changed = trio.Event()

    @property
    def core(self) -> RecordingStation:
        return self

    def stop_behaviour(self, now: float) -> None:
        """Its timers are the test's script: they keep running through the drain."""

    def connected(self, now: float) -> None:
        self.connects += 1
        self._changed.set()

    def disconnected(self, now: float) -> None:
        self.disconnects += 1
        self._changed.set()

    def receive(self, data: str | bytes, now: float) -> None:
        self.received.append(data)
        self._changed.set()

    def events(self) -> list[Event]:
        return []

    def data_to_send(self) -> list[str]:
        out, self._outbox = self._outbox, []
        return out

    def next_deadline(self) -> float | None:
        return self._timers[0] if self._timers else None

    def handle_timer(self, now: float) -> None:
        while self._timers and self._timers[0] <= now:
            self._timers.pop(0)
            self.fired.append(now)
        self._changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds; it is checked after every call the reactor makes."""
        while not condition():
            self._changed = trio.Event()
            await self._changed.wait()
