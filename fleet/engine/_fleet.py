"""Run a whole fleet: ramp stations up on a schedule, keep them running, stop cleanly."""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

import trio

from fleet.connection import BehaviourEventHandler, Recorder
from fleet.engine._capture import FrameCapture
from fleet.engine._clock import trio_speed_clock
from fleet.engine._config import FleetConfig
from fleet.engine._drain import Drain, DrainReport
from fleet.engine._health import (
    CostRecorder,
    HealthRecorder,
    monitor_generator,
    process_rss_bytes,
)
from fleet.engine._probe import FirstAttempt
from fleet.engine._protocol import ShellStation
from fleet.engine._station_pool import StationPool
from fleet.station import LazyRandom

# (index in the fleet, station id, seeded rng, simulated now) -> a station
StationFactory = Callable[[int, str, random.Random, float], ShellStation]
ProgressCallback = Callable[[float], None]  # called with elapsed seconds, about once a second


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
) -> FleetOutcome:
    """Ramp ``config.stations`` stations up at ``config.ramp_per_s`` and run them until
    ``config.duration_s`` has passed since the start (or SIGINT/SIGTERM when ``handle_signals``),
    then drain for up to ``config.drain_timeout_s`` (see fleet.engine._drain; a second signal
    skips it).

    The first station is a probe: if its first connection attempt fails, CsmsUnreachable is
    raised instead of ramping a fleet against an endpoint that is not there.

    A recorder that also takes ``generator_sampled`` (a HealthRecorder) gets the generator's
    own health once a second: busy fraction, loop lag, CALLs queued. ``recorder_for(index)``,
    when given, is what station ``index`` reports to instead of ``recorder`` (e.g. the totals plus
    its OCPP version's own recorder).
    """
    master = random.Random(config.seed)
    cpu_at_start, rss_at_start = time.process_time(), process_rss_bytes()
    started = trio.current_time()
    stop_at = started + config.duration_s
    clock = trio_speed_clock(speed=config.speed, origin=started)
    spawned = 0
    unreachable: tuple[str, str] | None = None
    stop = _StopFlag()
    drain = Drain(config.drain_timeout_s)
    ramp_scope = trio.CancelScope(deadline=stop_at)  # the run proper; the drain follows it
    stations = StationPool(config, clock, capture, on_behaviour_event, recorder)

    with trio.CancelScope() as run_scope:
        async with trio.open_nursery() as nursery:
            if handle_signals:
                nursery.start_soon(_stop_on_signal, ramp_scope, run_scope, stop, drain.timeout_s > 0)
            if on_progress is not None:
                nursery.start_soon(_progress_loop, on_progress, started)
            probe = FirstAttempt()
            mine = config.indices if config.indices is not None else range(config.stations)
            await stations.begin(nursery)
            if isinstance(recorder, HealthRecorder):
                nursery.start_soon(monitor_generator, recorder, stations.calls_waiting)
            with ramp_scope:
                for index in range(config.stations):
                    # every station's draws are taken here or not, so station i has the same seeded
                    # streams (and start time) whichever shard runs it
                    rng = random.Random(master.getrandbits(64))
                    runner_rng = LazyRandom(master.getrandbits(64))  # drawn only on a reconnect
                    if index not in mine:
                        continue
                    await trio.sleep_until(started + index / config.ramp_per_s)
                    station_id = config.station_id(index)
                    stations.start(
                        index,
                        station_id,
                        make_station(index, station_id, rng, clock.now()),
                        recorder if recorder_for is None else recorder_for(index),
                        runner_rng,
                        probe if index == mine[0] else None,
                    )
                    spawned += 1
                    if index == mine[0]:
                        timeout = (
                            probe_timeout_s if probe_timeout_s is not None else config.connect_timeout_s + 1
                        )
                        with trio.move_on_after(timeout):
                            await probe.done.wait()
                        if probe.error is not None:
                            unreachable = probe.error
                            nursery.cancel_scope.cancel()
                            break
                await trio.sleep_forever()
            if unreachable is None and drain.timeout_s > 0 and not run_scope.cancel_called:
                await drain.run(stations.drainables())
            nursery.cancel_scope.cancel()
    stations.finish()
    if unreachable is not None:
        raise CsmsUnreachable(*unreachable)
    duration = trio.current_time() - started
    if isinstance(recorder, CostRecorder):
        recorder.generator_cost(
            time.process_time() - cpu_at_start,
            duration,
            spawned,
            process_rss_bytes() - rss_at_start,
            includes_csms=shares_process_with_csms,
        )
    return FleetOutcome(
        duration_s=duration,
        interrupted=stop.signalled,
        stations_started=spawned,
        drain=drain.report(stations.drainables()),
    )


class _StopFlag:
    signalled = False


async def _stop_on_signal(
    ramp_scope: trio.CancelScope, run_scope: trio.CancelScope, stop: _StopFlag, drains: bool
) -> None:
    """The first signal ends the run (the drain follows), a second one (or the first, when there
    is no drain) stops at once."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            stop.signalled = True
            if ramp_scope.cancel_called or not drains:
                run_scope.cancel()
                return
            ramp_scope.cancel()


async def _progress_loop(on_progress: ProgressCallback, started: float) -> None:
    tick = 1
    while True:
        await trio.sleep_until(started + tick)
        on_progress(trio.current_time() - started)
        tick += 1
