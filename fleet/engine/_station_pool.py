"""Where a fleet's stations run: the reactor (the default), or one trio task per station.

``run_fleet`` ramps stations up and drains them the same way whichever runs them; a pool hides
the difference: ``start`` one station, the ``runners`` the generator monitor counts queued CALLs
of, and the ``drainables`` the end of the run flushes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

import trio

from fleet.behaviour import SpeedClock
from fleet.connection import BehaviourEventHandler, ConnectionSettings, Recorder, StationConnection
from fleet.engine._capture import FrameCapture
from fleet.engine._config import FleetConfig
from fleet.engine._drain import Drain, Drainable
from fleet.engine._health import FoldedLatenessRecorder, QueuedCalls
from fleet.engine._protocol import ShellStation
from fleet.engine._reactor import Link, Reactor
from fleet.engine._runner import FirstAttempt, StationRunner
from fleet.engine._security import StationCredentials
from fleet.metrics import LatencyHistogram
from fleet.station import LazyRandom


class StationPool(Protocol):
    @property
    def runners(self) -> Sequence[QueuedCalls]: ...
    async def begin(self, nursery: trio.Nursery) -> None: ...
    def start(
        self,
        index: int,
        station_id: str,
        station: ShellStation,
        recorder: Recorder,
        rng: random.Random | LazyRandom,
        probe: FirstAttempt | None,
    ) -> None: ...
    def drainables(self) -> Sequence[Drainable]: ...
    def finish(self) -> None: ...


def station_pool(
    config: FleetConfig,
    clock: SpeedClock,
    capture: FrameCapture | None,
    on_behaviour_event: BehaviourEventHandler | None,
    recorder: Recorder,
) -> StationPool:
    if config.transport == "reactor":
        return ReactorPool(config, clock, capture, on_behaviour_event, recorder)
    return TaskPerStation(config, clock, capture, on_behaviour_event, recorder)


class _Base:
    def __init__(
        self,
        config: FleetConfig,
        clock: SpeedClock,
        capture: FrameCapture | None,
        on_behaviour_event: BehaviourEventHandler | None,
        recorder: Recorder,
    ) -> None:
        self._recorder = recorder  # the fleet's (a station may report to its own, see start)
        self._config = config
        self._clock = clock
        self._capture = capture
        self._on_behaviour_event = on_behaviour_event


class TaskPerStation(_Base):
    """The older engine: a ``StationRunner`` task per station (transports lean, trio-websocket)."""

    _nursery: trio.Nursery
    _runners: list[StationRunner]

    @property
    def runners(self) -> Sequence[QueuedCalls]:
        return self._runners

    async def begin(self, nursery: trio.Nursery) -> None:
        self._nursery = nursery
        self._runners = []

    def start(
        self,
        index: int,
        station_id: str,
        station: ShellStation,
        recorder: Recorder,
        rng: random.Random | LazyRandom,
        probe: FirstAttempt | None,
    ) -> None:
        config = self._config
        runner = StationRunner(
            station_id,
            station,
            config,
            recorder,
            rng,
            self._capture,
            probe,
            self._clock,
            self._on_behaviour_event,
            local_address=config.source_address(index),
            identity=config.identity(index),
        )
        self._nursery.start_soon(runner.run, name=f"station {station_id}")
        self._runners.append(runner)

    def drainables(self) -> Sequence[Drainable]:
        return self._runners

    def finish(self) -> None:
        pass  # every timer reported itself


class ReactorPool(_Base):
    """Every station on one reactor task (fleet/engine/_reactor.py)."""

    _reactor: Reactor

    @property
    def runners(self) -> Sequence[QueuedCalls]:
        return self._reactor.links if hasattr(self, "_reactor") else ()

    _lateness: LatencyHistogram | None = None

    async def begin(self, nursery: trio.Nursery) -> None:
        config = self._config
        if isinstance(self._recorder, FoldedLatenessRecorder):
            # one histogram record per timer, handed to the recorders once a second, instead
            # of a call through every recorder per timer
            self._lateness = LatencyHistogram()
            nursery.start_soon(self._hand_over_lateness_every_second)
        self._settings = ConnectionSettings(
            self._clock,
            connect_timeout_s=config.connect_timeout_s,
            close_timeout_s=config.close_timeout_s,
            reboot_delay_s=config.reboot_delay_s,
            backoff=config.backoff,
            timer_lateness=self._lateness,
        )
        self._reactor = Reactor(close_timeout_s=config.close_timeout_s)
        await self._reactor.resolve(config.csms_url)
        nursery.start_soon(self._reactor.run, name="reactor")

    def start(
        self,
        index: int,
        station_id: str,
        station: ShellStation,
        recorder: Recorder,
        rng: random.Random | LazyRandom,
        probe: FirstAttempt | None,
    ) -> None:
        config = self._config
        core = getattr(station, "station", station)
        conn = StationConnection(
            station_id,
            station,
            config.station_url(station_id),
            self._settings,
            recorder,
            rng,
            StationCredentials(config.security, config.identity(index), core),
            capture=self._capture,
            first_attempt=probe.report if probe is not None else None,
            on_behaviour_event=self._on_behaviour_event,
        )
        self._reactor.add(conn, config.source_address(index))

    def finish(self) -> None:
        """Hand over what the timers reported since the last second."""
        recorder, lateness = self._recorder, self._lateness
        if lateness is not None and lateness.count and isinstance(recorder, FoldedLatenessRecorder):
            recorder.timers_fired(lateness)
            lateness.clear()

    async def _hand_over_lateness_every_second(self) -> None:
        while True:
            await trio.sleep(1.0)
            self.finish()

    def drainables(self) -> Sequence[Drainable]:
        if not hasattr(self, "_reactor"):
            return ()
        return [_LinkInDrain(self._reactor, link) for link in self._reactor.links]


class _LinkInDrain:
    """A reactor link as the drain sees a station runner."""

    __slots__ = ("_link", "_reactor")

    def __init__(self, reactor: Reactor, link: Link) -> None:
        self._reactor = reactor
        self._link = link

    @property
    def station_id(self) -> str:
        return self._link.station_id

    def begin_drain(self, drain: Drain) -> bool:
        return self._reactor.begin_drain(self._link, drain)

    def calls_unanswered(self) -> int:
        return self._link.calls_unanswered()
