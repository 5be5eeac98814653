"""`fleet run` as a function: embedded CSMS if none is given, the fleet, progress, the summary."""

from __future__ import annotations

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
    PlanReplay,
    Profile,
    ProfileStation,
    SimulatedStation,
    station_types_for,
)
from fleet.chaos import ChaosProxy, ProxyFaults, serve_chaos_proxy, target_address
from fleet.console import ConsoleSettings, ConsoleUnavailable, bind_console, display_routes, serve_console
from fleet.csms import (
    CsmsConfig,
    CsmsServer,
    LiveView,
    ScriptClock,
    ScriptStep,
    StepOutcome,
    run_script,
    serve_csms,
)
from fleet.engine._capture import FrameCapture
from fleet.engine._clock import trio_speed_clock
from fleet.engine._config import FleetConfig
from fleet.engine._displays import StationDisplays
from fleet.engine._fleet import CsmsUnreachable, ProgressCallback, StationFactory, StopCheck, run_fleet
from fleet.engine._job_summary import job_summary
from fleet.engine._nameplate import with_nameplate
from fleet.engine._ocpp_mix import OcppMix
from fleet.engine._progress_line import TerminalProgress, terminal_columns
from fleet.engine._recorder_topology import RecorderTopology
from fleet.engine._remote_starts import remote_starts
from fleet.engine._stages import stage_rate_schedule
from fleet.metrics import (
    DEFAULT_METRICS_HOST,
    AbortOnFail,
    MetricsPortUnavailable,
    RunRecorder,
    SloWatch,
    format_progress,
    stations_never_booted,
)
from fleet.station import ShellStation, StationConfig, stretch_network_timers

EXIT_OK = 0
EXIT_UNREACHABLE = 1
EXIT_SETUP = 2  # the run could not be set up (e.g. the metrics port is taken), as for bad arguments
EXIT_NOT_BOOTED = 5  # the run ran, but stations it started never booted (README "Exit codes")


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
    faults: ProxyFaults | None = None  # a fault proxy between the stations and the CSMS (fleet.chaos)
    abort_on_fail: AbortOnFail | None = None  # end the run early when one of these SLOs is lost
    # ocpp_fleet_run_info's labels (label name -> value), published with the metrics
    run_info: tuple[tuple[str, str], ...] = ()
    console: ConsoleSettings | None = None  # serve the embedded CSMS's live console (None: no console)
    # replay a load plan of `fleet simulate`: the profile's stations follow the plan's visits
    replay: PlanReplay | None = None


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
    """How station number ``index`` is built: from the profile's station mix, or the simple driver.
    Made as the run starts: the drivers' arrival rate follows the stages' multipliers (--stages
    ...x2) from now on the stations' simulated clock (a replayed plan's visits are fixed)."""
    fleet = job.fleet
    rate_schedule = stage_rate_schedule(fleet.stages, trio_speed_clock(fleet.speed, trio.current_time()))
    profile = job.profile
    station_types = (
        station_types_for(profile, fleet.stations, random.Random(fleet.seed)) if profile is not None else []
    )

    def make_station(index: int, station_id: str, rng: random.Random, now: float) -> ShellStation:
        shell: SimulatedStation | ProfileStation
        version = job.ocpp.version_for(index)
        if versions is not None:
            versions[station_id] = version  # the CSMS-initiated calls of the run speak it
        if profile is not None and job.replay is not None:
            shell = job.replay.station(
                index,
                station_id,
                profile,
                start_at=now,
                epoch=epoch,
                app_start=app_start,
                ocpp_version=version,
            )
        elif profile is not None:
            shell = ProfileStation(
                station_id,
                profile,
                station_types[index],
                rng,
                start_at=now,
                epoch=epoch,
                app_start=app_start,
                ocpp_version=version,
                rate_schedule=rate_schedule,
            )
        else:
            config = StationConfig(
                station_id=station_id, evse_count=job.evses_per_station, wall_clock_epoch=epoch
            )
            config = with_nameplate(config, fleet.identity(index))  # serial, vendor, model from a file
            shell = SimulatedStation(
                config, rng, job.driver, start_at=now, ocpp_version=version, rate_schedule=rate_schedule
            )
        stretch_network_timers(shell.station, fleet.speed)
        return shell

    return make_station


async def run_job(
    job: RunJob,
    *,
    progress: Callable[[str, float], None] | None = None,
    recorder: RunRecorder | None = None,  # pass one to watch the run while it goes (bench/)
    # pass one to read the run's Prometheus series (served too when job.metrics_port is set)
    metrics_registry: CollectorRegistry | None = None,
) -> JobResult:
    """Run the job's fleet (this process's stations of it: ``job.fleet.my_indices``) and summarise it."""
    try:
        recorders = RecorderTopology.open(
            recorder if recorder is not None else RunRecorder(),
            job.ocpp,
            job.fleet.my_indices,
            metrics_host=job.metrics_host,
            metrics_port=job.metrics_port,
            registry=metrics_registry,
            run_info=job.run_info,
        )
    except MetricsPortUnavailable as exc:
        return JobResult(EXIT_SETUP, None, str(exc))
    async with trio.open_nursery() as nursery:
        recorders.start_serving(nursery)
        result = await _run_stations(job, recorders, nursery, progress)
        nursery.cancel_scope.cancel()
    return result


async def _run_stations(
    job: RunJob,
    recorders: RecorderTopology,
    nursery: trio.Nursery,
    progress: Callable[[str, float], None] | None,
) -> JobResult:
    """The fleet against the job's CSMS (the embedded one, started in ``nursery``, when it names
    none), the CSMS script beside it, and the summary."""
    displays = StationDisplays() if job.console is not None else None  # a person at a station
    try:
        server = await _embedded_csms(job, nursery, recorders.registry, displays)
    except ConsoleUnavailable as exc:
        return JobResult(EXIT_SETUP, None, str(exc))
    fleet = job.fleet if server is None else replace(job.fleet, csms_url=server.url)
    proxy = await _fault_proxy(job.faults, fleet.csms_url, nursery)
    if proxy is not None:
        fleet = replace(fleet, csms_url=proxy.front_of(fleet.csms_url))
    capture = FrameCapture(job.capture_path) if job.capture_path else None
    # the station's wall clock: UTC, advancing with the simulated clock (which equals trio's
    # clock at the start of the run and then runs --speed times faster)
    start_epoch = job.sim_start_epoch if job.sim_start_epoch is not None else time.time()
    epoch = start_epoch - trio.current_time()
    versions: dict[str, str] = {}  # station id -> OCPP version, as the stations are made
    script = _start_script(job, server, nursery, start_epoch)
    watch = SloWatch(job.abort_on_fail) if job.abort_on_fail is not None else None
    try:
        outcome = await run_fleet(
            fleet,
            _station_factory(replace(job, fleet=fleet), epoch, server is not None, versions),
            recorders.reports,
            capture=capture,
            on_progress=_progress_lines(progress, recorders.run, fleet),
            handle_signals=True,
            on_behaviour_event=remote_starts(server, nursery, versions, recorders.for_version),
            recorder_for=lambda index: recorders.for_version(job.ocpp.version_for(index)),
            shares_process_with_csms=server is not None,
            stop_when=_stop_when_lost(watch, recorders.run),
            displays=displays,
        )
    except CsmsUnreachable as exc:
        return JobResult(EXIT_UNREACHABLE, None, f"cannot reach the CSMS: {exc.message}")
    finally:
        if capture is not None:
            capture.close()
    _faults_on_timeline(recorders, proxy, server)
    summary = job_summary(
        fleet,
        job.ocpp,
        job.profile,
        outcome,
        recorders,
        csms=server,
        script=script if job.csms_script else None,
    )
    if proxy is not None or (server is not None and server.faults is not None):
        summary["faults"] = summary["timeseries"]["faults"]
    if watch is not None and watch.lost is not None:
        summary["aborted"] = watch.lost.to_dict()
    code = finished_run_code(summary)
    return JobResult(code, summary, recorder=recorders.run, by_version=recorders.by_version)


def finished_run_code(summary: dict[str, Any]) -> int:
    """The exit code of a run that ran: EXIT_NOT_BOOTED when a station it started never had its
    BootNotification accepted (a CSMS that never answers, or rejects every boot), else EXIT_OK."""
    return EXIT_NOT_BOOTED if stations_never_booted(summary) else EXIT_OK


def _stop_when_lost(watch: SloWatch | None, recorder: RunRecorder) -> StopCheck | None:
    """Abort on fail: the fleet's stop check, True once ``watch`` finds an SLO lost on ``recorder``."""
    if watch is None:
        return None
    return lambda elapsed: watch.check(recorder, elapsed) is not None


async def _embedded_csms(
    job: RunJob, nursery: trio.Nursery, registry: CollectorRegistry | None, displays: StationDisplays | None
) -> CsmsServer | None:
    """The CSMS of a job that names none: on a free loopback port, its metrics in ``registry``,
    with its live console when the job asks for one (raises ``ConsoleUnavailable``), and in it
    the stations' own displays (``displays``)."""
    if job.fleet.csms_url:
        return None
    listener = bind_console(job.console) if job.console is not None else None
    live = LiveView() if job.console is not None else None
    serve = partial(serve_csms, registry=registry, live=live)
    server: CsmsServer = await nursery.start(serve, job.csms, "127.0.0.1", 0)
    if job.console is not None and live is not None:
        routes = display_routes(displays) if displays is not None else ()
        console = partial(serve_console, extra_routes=routes, display_available=displays is not None)
        await nursery.start(partial(console, server, live, job.console, listener=listener))
    return server


async def _fault_proxy(faults: ProxyFaults | None, csms_url: str, nursery: trio.Nursery) -> ChaosProxy | None:
    """The fault proxy in front of ``csms_url``, started in ``nursery`` (None: the job has no faults)."""
    if not faults:
        return None
    proxy: ChaosProxy = await nursery.start(serve_chaos_proxy, faults, target_address(csms_url))
    return proxy


def _faults_on_timeline(
    recorders: RecorderTopology, proxy: ChaosProxy | None, server: CsmsServer | None
) -> None:
    """Every fault injected (by the proxy, by the embedded CSMS) onto the run's time series."""
    events = proxy.fault_events() if proxy is not None else []
    if server is not None and server.faults is not None:
        events += server.faults.events
    for event in events:
        recorders.timeseries.add_fault(event.kind, event.start, event.end, event.detail)


def _start_script(
    job: RunJob, server: CsmsServer | None, nursery: trio.Nursery, start_epoch: float
) -> list[StepOutcome]:
    """The job's CSMS script, run by the embedded CSMS in ``nursery`` (nothing without one); the
    list returned fills with the steps' outcomes as they finish."""
    outcomes: list[StepOutcome] = []
    if server is not None and job.csms_script:
        # script times are on the stations' (simulated) clock: "18:00" at --speed 60 comes early
        clock = ScriptClock(trio.current_time(), start_epoch, job.fleet.speed)
        steps = list(job.csms_script)
        nursery.start_soon(run_script, server, steps, clock, random.Random(job.fleet.seed), outcomes.append)
    return outcomes


def _progress_lines(
    progress: Callable[[str, float], None] | None, recorder: RunRecorder, fleet: FleetConfig
) -> ProgressCallback:
    """What the fleet calls once a second: a progress line for ``progress``, if any."""

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

    return on_progress


_TERMINAL_PROGRESS = TerminalProgress()


def print_progress_line(line: str, elapsed: float) -> None:
    """Progress goes to stderr: in place on a terminal, one line every 5 s in a log."""
    if sys.stderr.isatty():
        _TERMINAL_PROGRESS.write(line, sys.stderr, terminal_columns(sys.stderr))
    elif round(elapsed) % 5 == 0:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
