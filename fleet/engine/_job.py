"""`fleet run` as a function: embedded CSMS if none is given, the fleet, progress, the summary."""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import trio

from fleet.behaviour import (
    DriverSettings,
    Profile,
    ProfileStation,
    RemoteStartWanted,
    SimulatedStation,
    station_types_for,
)
from fleet.csms import CsmsConfig, CsmsServer, StationCallFailed, serve_csms
from fleet.engine._capture import FrameCapture
from fleet.engine._config import FleetConfig
from fleet.engine._fleet import CsmsUnreachable, StationFactory, run_fleet
from fleet.engine._protocol import ShellStation
from fleet.engine._runner import Recorder
from fleet.metrics import RunRecorder, format_progress
from fleet.ocpp import v201
from fleet.station import StationConfig

EXIT_OK = 0
EXIT_UNREACHABLE = 1

# protocol timers that are real-world network waits, not behaviour: they must not shrink with
# --speed, so they are stretched in simulated seconds by the same factor
_REAL_TIME_VARIABLES = (
    ("OCPPCommCtrlr", "MessageTimeout", "Default"),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"),
)


@dataclass(frozen=True, slots=True)
class RunJob:
    fleet: FleetConfig  # csms_url "" means: start the embedded CSMS on a free loopback port
    csms: CsmsConfig = field(default_factory=CsmsConfig)
    evses_per_station: int = 1
    driver: DriverSettings = field(default_factory=DriverSettings)
    profile: Profile | None = None  # drives the stations instead of the simple driver
    capture_path: str | None = None
    sim_start_epoch: float | None = None  # UTC seconds the simulated clock starts at (default: now)


@dataclass(frozen=True, slots=True)
class JobResult:
    exit_code: int
    summary: dict[str, Any] | None
    failure: str | None = None  # one line saying why the run could not happen
    recorder: RunRecorder | None = None  # the run's measurements, for checks beyond the summary (SLOs)


def _station_factory(job: RunJob, epoch: float, app_start: bool) -> StationFactory:
    """How station number ``index`` is built: from the profile's station mix, or the simple driver."""
    fleet = job.fleet
    profile = job.profile
    station_types = (
        station_types_for(profile, fleet.stations, random.Random(fleet.seed)) if profile is not None else []
    )

    def make_station(index: int, station_id: str, rng: random.Random, now: float) -> ShellStation:
        shell: SimulatedStation | ProfileStation
        if profile is not None:
            shell = ProfileStation(
                station_id,
                profile,
                station_types[index],
                rng,
                start_at=now,
                epoch=epoch,
                app_start=app_start,
            )
        else:
            config = StationConfig(
                station_id=station_id, evse_count=job.evses_per_station, wall_clock_epoch=epoch
            )
            shell = SimulatedStation(config, rng, job.driver, start_at=now)
        _stretch_network_timers(shell, fleet.speed)
        return shell

    return make_station


def _stretch_network_timers(shell: SimulatedStation | ProfileStation, speed: float) -> None:
    if speed == 1.0:
        return
    model = shell.station.device_model
    for component, variable, instance in _REAL_TIME_VARIABLES:
        seconds = model.get_int(component, variable, 0, instance=instance)
        if seconds > 0:
            model.set_actual(component, variable, str(round(seconds * speed)), instance=instance)


def _remote_starts(
    server: CsmsServer | None, nursery: trio.Nursery, recorder: Recorder
) -> Callable[[str, Any], None]:
    """Drivers who start by app: the embedded CSMS sends RequestStartTransaction for them."""
    remote_start_ids = itertools.count(1)

    async def request_start(station_id: str, wish: RemoteStartWanted) -> None:
        assert server is not None
        request = v201.RequestStartTransactionRequest(
            id_token=v201.IdToken(id_token=wish.id_token, type="Central"),
            remote_start_id=next(remote_start_ids),
            evse_id=wish.evse_id,
        )
        try:
            await server.call(station_id, "RequestStartTransaction", request)
        except StationCallFailed as exc:
            recorder.error("remote_start", f"{station_id}: RequestStartTransaction failed: {exc}")

    def on_behaviour_event(station_id: str, wish: Any) -> None:
        if server is not None and isinstance(wish, RemoteStartWanted):
            nursery.start_soon(request_start, station_id, wish)

    return on_behaviour_event


async def run_job(
    job: RunJob,
    *,
    progress: Callable[[str, float], None] | None = None,
    recorder: RunRecorder | None = None,  # pass one to watch the run while it goes (bench/)
) -> JobResult:
    recorder = recorder if recorder is not None else RunRecorder()
    async with trio.open_nursery() as nursery:
        server: CsmsServer | None = None
        fleet = job.fleet
        if not fleet.csms_url:
            server = await nursery.start(serve_csms, job.csms, "127.0.0.1", 0)
            fleet = replace(fleet, csms_url=server.url)
        capture = FrameCapture(job.capture_path) if job.capture_path else None
        # the station's wall clock: UTC, advancing with the simulated clock (which equals trio's
        # clock at the start of the run and then runs --speed times faster)
        start_epoch = job.sim_start_epoch if job.sim_start_epoch is not None else time.time()
        epoch = start_epoch - trio.current_time()
        make_station = _station_factory(replace(job, fleet=fleet), epoch, app_start=server is not None)

        def on_progress(elapsed: float) -> None:
            if progress is not None:
                now = trio.current_time()
                line = format_progress(
                    recorder.snapshot(),
                    recorder.rate(now),
                    elapsed,
                    fleet.duration_s,
                    stations_configured=fleet.stations,
                )
                progress(line, elapsed)

        try:
            outcome = await run_fleet(
                fleet,
                make_station,
                recorder,
                capture=capture,
                on_progress=on_progress,
                handle_signals=True,
                on_behaviour_event=_remote_starts(server, nursery, recorder),
            )
        except CsmsUnreachable as exc:
            nursery.cancel_scope.cancel()
            return JobResult(EXIT_UNREACHABLE, None, f"cannot reach the CSMS: {exc.message}")
        finally:
            if capture is not None:
                capture.close()
        extra: dict[str, Any] = {
            "csms_url": fleet.csms_url,
            "seed": fleet.seed,
            "speed": fleet.speed,
            "profile": job.profile.name if job.profile is not None else None,
            "interrupted": outcome.interrupted,
        }
        if server is not None:
            extra["csms"] = server.ledger.summary()
        summary = recorder.summary(
            ocpp_version="2.0.1",
            duration_s=round(outcome.duration_s, 3),
            stations_configured=fleet.stations,
            extra=extra,
        )
        nursery.cancel_scope.cancel()
    return JobResult(EXIT_OK, summary, recorder=recorder)


def print_progress_line(line: str, elapsed: float) -> None:
    """Progress goes to stderr: in place on a terminal, one line every 5 s in a log."""
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line.ljust(100))
        sys.stderr.flush()
    elif round(elapsed) % 5 == 0:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
