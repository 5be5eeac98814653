"""A fleet's stations on the reactor (fleet/engine/_reactor.py): one trio task drives them all.

``run_fleet`` ramps stations up and drains them; the pool builds each station's
``StationConnection`` and adds it to the reactor (``start``), shows the generator monitor the
links it counts queued CALLs of, and the end of the run the ``drainables`` it flushes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import trio

from fleet.behaviour import SpeedClock
from fleet.connection import (
    BehaviourEventHandler,
    ConnectionSettings,
    Phase,
    Recorder,
    StationConnection,
    station_credentials,
)
from fleet.engine._capture import FrameCapture
from fleet.engine._config import FleetConfig
from fleet.engine._displays import StationDisplays
from fleet.engine._drain import Drain, Drainable
from fleet.engine._fanout import station_left
from fleet.engine._health import FoldedLatenessRecorder
from fleet.engine._probe import FirstAttempt
from fleet.engine._reactor import Link, Reactor
from fleet.metrics import LatencyHistogram
from fleet.station import LazyRandom, ShellStation


class StationPool:
    """Every station of the process on one reactor task."""

    _lateness: LatencyHistogram | None = None

    def __init__(
        self,
        config: FleetConfig,
        clock: SpeedClock,
        capture: FrameCapture | None,
        on_behaviour_event: BehaviourEventHandler | None,
        recorder: Recorder,
        displays: StationDisplays | None = None,
    ) -> None:
        self._recorder = recorder  # the fleet's (a station may report to its own, see start)
        self._config = config
        self._clock = clock
        self._capture = capture
        self._on_behaviour_event = on_behaviour_event
        self._reactor = Reactor(close_timeout_s=config.close_timeout_s)
        self._offering_deflate: list[StationConnection] = []  # with --deflate: every connection made
        # each station's latest link and the recorder it reports to (a restart replaces them)
        self._links: dict[int, tuple[Link, Recorder]] = {}
        self._index_of: dict[str, int] = {}  # station id -> index (a person at its display)
        if displays is not None:
            displays.attach(self)

    def calls_waiting(self) -> int:
        """CALLs waiting in the stations' queues (the generator monitor's count)."""
        return self._reactor.calls_waiting()

    async def begin(self, nursery: trio.Nursery) -> None:
        """Resolve the CSMS's host and start the reactor task in ``nursery``."""
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
        """Station ``index`` of the fleet connects now (and runs until the end or ``stop``)."""
        config = self._config
        conn = StationConnection(
            station_id,
            station,
            config.station_url(station_id),
            self._settings,
            recorder,
            rng,
            station_credentials(config.security, config.identity(index), station),
            capture=self._capture,
            first_attempt=probe.report if probe is not None else None,
            on_behaviour_event=self._on_behaviour_event,
            deflate=config.offers_deflate(index),
        )
        if config.offers_deflate(index):
            self._offering_deflate.append(conn)
        self._links[index] = (self._reactor.add(conn, config.source_address(index)), recorder)
        self._index_of[station_id] = index

    def stop(self, index: int) -> None:
        """Station ``index`` leaves the fleet now (a --stages ramp-down): a close frame, as at the
        end of a run, no reconnect; what it had queued is not sent (``left_unsent`` at the end)."""
        link, recorder = self._links[index]
        if link.conn.connected:
            station_left(recorder)  # the connected count follows the stages down; no outage
        self._reactor.stop(link)

    def running(self, station_id: str) -> ShellStation | None:
        """Station ``station_id`` while it runs here (not stopped by a ramp-down nor after the run)."""
        index = self._index_of.get(station_id)
        if index is None or self._reactor.closed:
            return None
        conn = self._links[index][0].conn
        return None if conn.phase is Phase.STOPPED else conn.station

    def sim_now(self) -> float:
        return self._clock.to_sim(trio.current_time())

    def nudge(self, station_id: str) -> None:
        """Station ``station_id`` was changed from outside the reactor: send what it queued."""
        self._reactor.nudge(self._links[self._index_of[station_id]][0])

    def deflate_accepted(self) -> int:
        """How many of this process's stations the CSMS accepted permessage-deflate from."""
        return len({conn.station_id for conn in self._offering_deflate if conn.deflate_accepted})

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
        return [_LinkInDrain(self._reactor, link) for link, _ in self._links.values()]


class _LinkInDrain:
    """A reactor link as the drain sees a station."""

    __slots__ = ("_link", "_reactor")

    def __init__(self, reactor: Reactor, link: Link) -> None:
        self._reactor = reactor
        self._link = link

    @property
    def station_id(self) -> str:
        return self._link.conn.station_id

    def begin_drain(self, drain: Drain) -> bool:
        return self._reactor.begin_drain(self._link, drain)

    def calls_unanswered(self) -> int:
        return self._link.conn.calls_unanswered()
