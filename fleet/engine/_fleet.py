"""Run a whole fleet: ramp stations up on a schedule, keep them running, stop cleanly."""

from __future__ import annotations

import array
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

import trio

from fleet.behaviour import SpeedClock
from fleet.connection import BehaviourEventHandler, Recorder
from fleet.engine._capture import FrameCapture
from fleet.engine._clock import trio_speed_clock
from fleet.engine._config import FleetConfig
from fleet.engine._displays import StationDisplays
from fleet.engine._drain import Drain, DrainReport
from fleet.engine._health import (
    CostRecorder,
    HealthRecorder,
    monitor_generator,
    process_rss_bytes,
)
from fleet.engine._probe import FirstAttempt
from fleet.engine._stages import flat_schedule, staged_schedule
from fleet.engine._station_pool import StationPool
from fleet.station import LazyRandom, ShellStation

# (index in the fleet, station id, seeded rng, simulated now) -> a station
StationFactory = Callable[[int, str, random.Random, float], ShellStation]
ProgressCallback = Callable[[float], None]  # called with elapsed seconds, about once a second
StopCheck = Callable[[float], bool]  # called with elapsed seconds once a second: True ends the run


class CsmsUnreachable(Exception):
    """The first connection attempt failed: the run is aborted before ramping up."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class FleetOutcome:
    duration_s: float
    interrupted: bool  # stopped early by SIGINT/SIGTERM
    stations_started: int
    drain: DrainReport | None = None  # None: the run was aborted before it ran (CSMS unreachable)
    deflate_accepted: int = 0  # stations the CSMS accepted permessage-deflate from (--deflate)


async def run_fleet(
    config: FleetConfig,
    make_station: StationFactory,
    recorder: Recorder,
    *,
    capture: FrameCapture | None = None,
    on_progress: ProgressCallback | None = None,
    handle_signals: bool = False,
    probe_timeout_s: float | None = None,
    on_behaviour_event: BehaviourEventHandler | None = None,
    recorder_for: Callable[[int], Recorder] | None = None,
    shares_process_with_csms: bool = False,
    stop_when: StopCheck | None = None,  # True (asked once a second) ends the run as a first signal
    displays: StationDisplays | None = None,  # the console's station displays reach the stations
) -> FleetOutcome:
    """Ramp this process's stations (``config.my_indices``) up at ``config.ramp_per_s`` and run
    them until ``config.duration_s`` has passed since the start (or SIGINT/SIGTERM when
    ``handle_signals``), then drain for up to ``config.drain_timeout_s`` (see fleet.engine._drain;
    a second signal skips it).

    The first station is a probe: if its first connection attempt fails, CsmsUnreachable is
    raised instead of ramping a fleet against an endpoint that is not there.

    A recorder that also takes ``generator_sampled`` (a HealthRecorder) gets the generator's
    own health once a second: busy fraction, loop lag, CALLs queued. ``recorder_for(index)``,
    when given, is what station ``index`` reports to instead of ``recorder`` (e.g. the totals plus
    its OCPP version's own recorder).
    """
    cost = _CostMeter()
    started = trio.current_time()
    clock = trio_speed_clock(speed=config.speed, origin=started)
    drain = Drain(config.drain_timeout_s)
    ending = _Ending(deadline=started + config.duration_s, drains=drain.timeout_s > 0)
    stations = StationPool(config, clock, capture, on_behaviour_event, recorder, displays)
    ramp = _Ramp(config, started, clock, make_station, recorder_for or (lambda _: recorder), probe_timeout_s)
    with ending.run_scope:
        async with trio.open_nursery() as nursery:
            _watch(nursery, ending, started, handle_signals, on_progress, stop_when)
            await stations.begin(nursery)
            if isinstance(recorder, HealthRecorder):
                nursery.start_soon(monitor_generator, recorder, stations.calls_waiting)
            with ending.ramp_scope:
                await ramp.run(stations)
                if ramp.unreachable is None:
                    await trio.sleep_forever()
            if ramp.unreachable is None and drain.timeout_s > 0 and not ending.run_scope.cancel_called:
                await drain.run(stations.drainables())
            nursery.cancel_scope.cancel()
    stations.finish()
    if ramp.unreachable is not None:
        raise CsmsUnreachable(*ramp.unreachable)
    duration = trio.current_time() - started
    cost.report(recorder, duration, ramp.stations_started, includes_csms=shares_process_with_csms)
    return FleetOutcome(
        duration_s=duration,
        interrupted=ending.signalled,
        stations_started=ramp.stations_started,
        drain=drain.report(stations.drainables()),
        deflate_accepted=stations.deflate_accepted(),
    )


def _watch(
    nursery: trio.Nursery,
    ending: _Ending,
    started: float,
    handle_signals: bool,
    on_progress: ProgressCallback | None,
    stop_when: StopCheck | None,
) -> None:
    """What may end the run early besides its duration: signals, and ``stop_when`` asked once a
    second beside the progress callback."""
    if handle_signals:
        nursery.start_soon(ending.stop_on_signals)
    if on_progress is not None or stop_when is not None:
        nursery.start_soon(_progress_loop, on_progress, started, stop_when, ending)


class _Ramp:
    """Starts (and, with ``config.stages``, stops and restarts) this process's stations
    (``config.my_indices``) on the fleet's schedule (fleet.engine._stages): without stages,
    station ``i`` ``i / ramp_per_s`` seconds after the start. The first of them is the probe."""

    def __init__(
        self,
        config: FleetConfig,
        started: float,
        clock: SpeedClock,
        make_station: StationFactory,
        recorder_for: Callable[[int], Recorder],
        probe_timeout_s: float | None,
    ) -> None:
        self._config = config
        self._started = started
        self._clock = clock
        self._make_station = make_station
        self._recorder_for = recorder_for
        self._probe_timeout_s = (
            probe_timeout_s if probe_timeout_s is not None else config.connect_timeout_s + 1
        )
        self._seeds = _StationSeeds(config.seed)
        self._highest_started = -1  # stations start for the first time in index order
        self.stations_started = 0  # distinct stations (a restart after a ramp-down is not counted)
        self.unreachable: tuple[str, str] | None = None  # (kind, message) of the probe's failure

    async def run(self, stations: StationPool) -> None:
        """Start the stations in ``stations``; stop early if the probe finds the CSMS unreachable."""
        config = self._config
        mine = config.my_indices
        schedule = (
            staged_schedule(config.stages)
            if config.stages
            else flat_schedule(config.stations, config.ramp_per_s)
        )
        for at, index, starting in schedule:
            if index not in mine:
                continue
            await trio.sleep_until(self._started + at)
            if not starting:
                stations.stop(index)
                continue
            probe = FirstAttempt() if self.stations_started == 0 else None
            self._start(stations, index, probe)
            if probe is not None and not await self._reachable(probe):
                return

    def _start(self, stations: StationPool, index: int, probe: FirstAttempt | None) -> None:
        """Station ``index`` connects now, with its own seeds (the same on a restart)."""
        core_seed, runner_seed = self._seeds.of(index)
        if index > self._highest_started:
            self._highest_started = index
            self.stations_started += 1
        station_id = self._config.station_id(index)
        station = self._make_station(index, station_id, random.Random(core_seed), self._clock.now())
        runner_rng = LazyRandom(runner_seed)  # drawn only on a reconnect
        stations.start(index, station_id, station, self._recorder_for(index), runner_rng, probe)

    async def _reachable(self, probe: FirstAttempt) -> bool:
        with trio.move_on_after(self._probe_timeout_s):
            await probe.done.wait()
        self.unreachable = probe.error
        return probe.error is None


class _StationSeeds:
    """Station ``i``'s two seeds (its core's and its reconnect jitter's): the fleet's seeded
    generator's draws ``2i`` and ``2i + 1``, whichever shard runs it and however often it starts."""

    def __init__(self, seed: int) -> None:
        self._master = random.Random(seed)
        self._drawn = array.array("Q")  # 16 bytes a station, not a tuple's 100

    def of(self, index: int) -> tuple[int, int]:
        drawn, master = self._drawn, self._master
        while len(drawn) <= 2 * index:
            drawn.append(master.getrandbits(64))
            drawn.append(master.getrandbits(64))
        return drawn[2 * index], drawn[2 * index + 1]


class _CostMeter:
    """What the process spends from its construction on: CPU time, RSS growth."""

    def __init__(self) -> None:
        self._cpu_at_start, self._rss_at_start = time.process_time(), process_rss_bytes()

    def report(self, recorder: Recorder, seconds: float, stations: int, *, includes_csms: bool) -> None:
        """Tell ``recorder``, if it is a CostRecorder, what ``stations`` stations cost."""
        if isinstance(recorder, CostRecorder):
            recorder.generator_cost(
                time.process_time() - self._cpu_at_start,
                seconds,
                stations,
                process_rss_bytes() - self._rss_at_start,
                includes_csms=includes_csms,
            )


class _Ending:
    """How a run ends: at its deadline, or at the first SIGINT/SIGTERM, the run proper
    (``ramp_scope``) ends and the drain follows; a second signal (or the first, when there is no
    drain) stops everything (``run_scope``) at once."""

    def __init__(self, *, deadline: float, drains: bool) -> None:
        self.ramp_scope = trio.CancelScope(deadline=deadline)
        self.run_scope = trio.CancelScope()
        self.signalled = False  # stopped early by a signal
        self._drains = drains

    async def stop_on_signals(self) -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                self.signalled = True
                if self.ramp_scope.cancel_called or not self._drains:
                    self.run_scope.cancel()
                    return
                self.ramp_scope.cancel()

    def stop_early(self) -> None:
        """End the run proper as a first signal does: the drain follows, if there is one."""
        if not self._drains:
            self.run_scope.cancel()
        self.ramp_scope.cancel()


async def _progress_loop(
    on_progress: ProgressCallback | None, started: float, stop_when: StopCheck | None, ending: _Ending
) -> None:
    tick = 1
    while True:
        await trio.sleep_until(started + tick)
        elapsed = trio.current_time() - started
        if on_progress is not None:
            on_progress(elapsed)
        if stop_when is not None and not ending.ramp_scope.cancel_called and stop_when(elapsed):
            ending.stop_early()
        tick += 1
