"""`fleet run` as a function: embedded CSMS if none is given, the fleet, progress, the summary."""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import trio
from prometheus_client import CollectorRegistry

from fleet.behaviour import (
    DriverSettings,
    Profile,
    ProfileStation,
    RemoteStartWanted,
    SimulatedStation,
    station_types_for,
)
from fleet.connection import Recorder
from fleet.csms import (
    CsmsConfig,
    CsmsServer,
    ScriptClock,
    ScriptStep,
    StationCallFailed,
    StepOutcome,
    run_script,
    serve_csms,
)
from fleet.engine._capture import FrameCapture
from fleet.engine._config import FleetConfig
from fleet.engine._fanout import RecorderFanout
from fleet.engine._fleet import CsmsUnreachable, StationFactory, run_fleet
from fleet.engine._identities import with_nameplate
from fleet.engine._metrics_export import MetricsExport
from fleet.engine._ocpp_mix import OcppMix
from fleet.engine._protocol import ShellStation
from fleet.metrics import (
    DEFAULT_METRICS_HOST,
    MetricsPortUnavailable,
    RunRecorder,
    TimeSeries,
    format_progress,
)
from fleet.ocpp import v16, v201
from fleet.station import StationConfig, stretch_network_timers

EXIT_OK = 0
EXIT_UNREACHABLE = 1
EXIT_SETUP = 2  # the run could not be set up (e.g. the metrics port is taken), as for bad arguments


@dataclass(frozen=True, slots=True)
class RunJob:
    fleet: FleetConfig  # csms_url "" means: start the embedded CSMS on a free loopback port
    csms: CsmsConfig = field(default_factory=CsmsConfig)
    evses_per_station: int = 1
    driver: DriverSettings = field(default_factory=DriverSettings)
    profile: Profile | None = None  # drives the stations instead of the simple driver
    capture_path: str | None = None
    sim_start_epoch: float | None = None  # UTC seconds the simulated clock starts at (default: now)
    metrics_port: int | None = None  # export Prometheus metrics on this port (None: no exporter)
    metrics_host: str = DEFAULT_METRICS_HOST
    ocpp: OcppMix = field(default_factory=OcppMix)  # which OCPP version each station speaks
    csms_script: tuple[ScriptStep, ...] = ()  # CSMS-initiated operations the embedded CSMS runs


@dataclass(frozen=True, slots=True)
class JobResult:
    exit_code: int
    summary: dict[str, Any] | None
    failure: str | None = None  # one line saying why the run could not happen
    recorder: RunRecorder | None = None  # the run's measurements, for checks beyond the summary (SLOs)
    # a mixed fleet's measurements per OCPP version (what ``by_ocpp_version`` summarises)
    by_version: dict[str, RunRecorder] = field(default_factory=dict)


def _station_factory(
    job: RunJob, epoch: float, app_start: bool, versions: dict[str, str] | None = None
) -> StationFactory:
    """How station number ``index`` is built: from the profile's station mix, or the simple driver."""
    fleet = job.fleet
    profile = job.profile
    station_types = (
        station_types_for(profile, fleet.stations, random.Random(fleet.seed)) if profile is not None else []
    )

    def make_station(index: int, station_id: str, rng: random.Random, now: float) -> ShellStation:
        shell: SimulatedStation | ProfileStation
        version = job.ocpp.version_for(index)
        if versions is not None:
            versions[station_id] = version  # the CSMS-initiated calls of the run speak it
        if profile is not None:
            shell = ProfileStation(
                station_id,
                profile,
                station_types[index],
                rng,
                start_at=now,
                epoch=epoch,
                app_start=app_start,
                ocpp_version=version,
            )
        else:
            config = StationConfig(
                station_id=station_id, evse_count=job.evses_per_station, wall_clock_epoch=epoch
            )
            config = with_nameplate(config, fleet.identity(index))  # serial, vendor, model from a file
            shell = SimulatedStation(config, rng, job.driver, start_at=now, ocpp_version=version)
        stretch_network_timers(shell.station, fleet.speed)
        return shell

    return make_station


def _remote_starts(
    server: CsmsServer | None,
    nursery: trio.Nursery,
    recorder_for: Callable[[str], Recorder],
    versions: dict[str, str],
) -> Callable[[str, Any], None]:
    """Drivers who start by app: the embedded CSMS sends RequestStartTransaction for them.
    A failure is reported to ``recorder_for(station id)``."""
    remote_start_ids = itertools.count(1)

    async def request_start(station_id: str, wish: RemoteStartWanted) -> None:
        assert server is not None
        request: v201.RequestStartTransactionRequest | v16.RemoteStartTransactionRequest
        if versions.get(station_id) == "1.6":
            action = "RemoteStartTransaction"
            request = v16.RemoteStartTransactionRequest(id_tag=wish.id_token[:20], connector_id=wish.evse_id)
        else:
            action = "RequestStartTransaction"
            request = v201.RequestStartTransactionRequest(
                id_token=v201.IdToken(id_token=wish.id_token, type="Central"),
                remote_start_id=next(remote_start_ids),
                evse_id=wish.evse_id,
            )
        try:
            await server.call(station_id, action, request)
        except StationCallFailed as exc:
            recorder_for(station_id).error("remote_start", f"{station_id}: {action} failed: {exc}")

    def on_behaviour_event(station_id: str, wish: Any) -> None:
        if server is not None and isinstance(wish, RemoteStartWanted):
            nursery.start_soon(request_start, station_id, wish)

    return on_behaviour_event


def _stations_here(job: RunJob) -> dict[str, int]:
    """The stations this process runs (all, or one shard's slice) per OCPP version that gets
    Prometheus series: the fleet's one version, or both for a mixed fleet."""
    fleet = job.fleet
    counts = job.ocpp.counts_of(fleet.indices if fleet.indices is not None else range(fleet.stations))
    label = job.ocpp.label
    return counts if label == "mixed" else {label: counts[label]}


async def run_job(
    job: RunJob,
    *,
    progress: Callable[[str, float], None] | None = None,
    recorder: RunRecorder | None = None,  # pass one to watch the run while it goes (bench/)
    # pass one to read the run's Prometheus series (served too when job.metrics_port is set)
    metrics_registry: CollectorRegistry | None = None,
) -> JobResult:
    recorder = recorder if recorder is not None else RunRecorder()
    export: MetricsExport | None = None
    if job.metrics_port is not None or metrics_registry is not None:
        try:
            export = MetricsExport(
                job.metrics_host,
                job.metrics_port,
                stations_by_version=_stations_here(job),
                ocpp_version=job.ocpp.label,  # labels the generator's health: "mixed" for a mixed fleet
                registry=metrics_registry,
            )
        except MetricsPortUnavailable as exc:
            return JobResult(EXIT_SETUP, None, str(exc))
    mixed = job.ocpp.label == "mixed"
    timeseries = TimeSeries(trio.current_time)  # what the report plots
    listeners: list[Recorder] = [recorder, timeseries]
    if export is not None and not mixed:
        listeners.append(export.recorders[job.ocpp.label])
    # a mixed fleet's Prometheus recorders sit in the per-version fan-outs below; the generator
    # monitor's samples reach the process-wide health series from here
    health = [export.metrics] if export is not None and mixed else []
    reports: Recorder = RecorderFanout(listeners, health=health)
    # a mixed fleet also gets results per OCPP version: each station reports to the totals and
    # to its version's recorders (its results, its Prometheus series)
    by_version = {version: RunRecorder() for version in ("1.6", "2.0.1")} if mixed else {}
    version_reports = {
        version: RecorderFanout([reports, r, *([export.recorders[version]] if export is not None else [])])
        for version, r in by_version.items()
    }
    async with trio.open_nursery() as nursery:
        if export is not None:
            nursery.start_soon(export.serve)
        server: CsmsServer | None = None
        fleet = job.fleet
        if not fleet.csms_url:
            registry = export.registry if export is not None else None
            server = await nursery.start(partial(serve_csms, registry=registry), job.csms, "127.0.0.1", 0)
            fleet = replace(fleet, csms_url=server.url)
        capture = FrameCapture(job.capture_path) if job.capture_path else None
        # the station's wall clock: UTC, advancing with the simulated clock (which equals trio's
        # clock at the start of the run and then runs --speed times faster)
        start_epoch = job.sim_start_epoch if job.sim_start_epoch is not None else time.time()
        epoch = start_epoch - trio.current_time()
        versions: dict[str, str] = {}  # station id -> OCPP version, as the stations are made

        def recorder_for_station(station_id: str) -> Recorder:
            return version_reports.get(versions.get(station_id, ""), reports)

        make_station = _station_factory(replace(job, fleet=fleet), epoch, server is not None, versions)
        script_outcomes: list[StepOutcome] = []
        if server is not None and job.csms_script:
            # script times are on the stations' (simulated) clock: "18:00" at --speed 60 comes early
            script_clock = ScriptClock(trio.current_time(), start_epoch, fleet.speed)
            nursery.start_soon(
                run_script,
                server,
                list(job.csms_script),
                script_clock,
                random.Random(fleet.seed),
                script_outcomes.append,
            )

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
                reports,
                capture=capture,
                on_progress=on_progress,
                handle_signals=True,
                on_behaviour_event=_remote_starts(server, nursery, recorder_for_station, versions),
                recorder_for=(lambda index: version_reports[job.ocpp.version_for(index)])
                if by_version
                else None,
                shares_process_with_csms=server is not None,
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
            "drain": outcome.drain.to_dict() if outcome.drain is not None else None,
            "timeseries": timeseries.to_dict(),
            "stations_by_ocpp_version": job.ocpp.counts(fleet.stations),
        }
        if server is not None:
            extra["csms"] = server.ledger.summary()
        if by_version:
            counts = job.ocpp.counts(fleet.stations)
            extra["by_ocpp_version"] = {
                version: r.summary(
                    ocpp_version=version,
                    duration_s=round(outcome.duration_s, 3),
                    stations_configured=counts[version],
                )
                for version, r in by_version.items()
            }
        if job.csms_script:
            extra["csms_script"] = [outcome.to_dict() for outcome in script_outcomes]
        summary = recorder.summary(
            ocpp_version=job.ocpp.label,
            duration_s=round(outcome.duration_s, 3),
            stations_configured=fleet.stations,
            extra=extra,
        )
        nursery.cancel_scope.cancel()
    return JobResult(EXIT_OK, summary, recorder=recorder, by_version=by_version)


def print_progress_line(line: str, elapsed: float) -> None:
    """Progress goes to stderr: in place on a terminal, one line every 5 s in a log."""
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line.ljust(100))
        sys.stderr.flush()
    elif round(elapsed) % 5 == 0:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
