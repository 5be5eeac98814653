"""``fleet run --workers N``: the fleet split over N worker processes, one result.

Station ``i`` goes to worker ``i % N`` (strided rather than in blocks, so every worker ramps up
at the same time and each station still starts at ``i / ramp`` seconds, as in one process).
A worker draws every station's seeded streams and keeps its own, so station ``i`` has the same
id and the same random streams whatever N is. Workers send their ``RunRecorder.to_dict()`` about
once a second; the parent merges the latest of each (``RunRecorder.merge``: histograms merged
bucket by bucket, not averaged) into one progress line and, at the end, one result.

Without ``--csms``, the embedded CSMS runs as its own worker processes on one port
(``fleet.csms.csms_workers``, SO_REUSEPORT), so it does not compete with the parent's loop;
their ledgers are merged into the result's ``csms`` part.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import trio

from fleet.csms import CsmsWorkerPool, Ledger, csms_workers
from fleet.engine._config import FleetConfig
from fleet.engine._drain import DrainReport
from fleet.engine._job import EXIT_UNREACHABLE, JobResult, RunJob, finished_run_code, run_job
from fleet.engine._job_summary import deflate_summary, fleet_summary, how_it_ran, outage_windows
from fleet.engine._limits import check_open_files, stations_per_process
from fleet.engine._metrics_export import WORKER_DIED, dead_worker_export
from fleet.engine._recorder_topology import stations_per_series
from fleet.engine._segment import strided_share
from fleet.engine._source_addresses import automatic_source_addresses
from fleet.engine._worker import ShardSpec
from fleet.metrics import MetricsPortUnavailable, RunRecorder, SloWatch, TimeSeries, format_progress
from fleet.processes import WorkerProcess, describe_exit

EXIT_WORKER_DIED = 4  # the run completed, but a worker died: its stations' data is partial
SINGLE_PROCESS_BELOW = 5_000  # stations; below this, one process is plenty and starts faster
_ENTRY = "fleet.engine._worker:main"
_STOP_GRACE_S = 60.0  # past the run's duration, how long workers get to finish before SIGTERM
_KILL_GRACE_S = 20.0  # after SIGTERM, before SIGKILL

Progress = Callable[[str, float], None]


def default_workers(stations: int) -> int:
    """1 below 5,000 stations; else one per CPU, and more if a CPU's share of stations would
    not fit in one process's open-file limit."""
    if stations < SINGLE_PROCESS_BELOW:
        return 1
    return max(os.cpu_count() or 1, math.ceil(stations / max(1, stations_per_process())))


def describe_shard(job: RunJob, indices: range) -> str:
    """'stations SIM-00001, SIM-00003, ... SIM-00039 (20)' for an error message."""
    fleet = job.fleet
    if not indices:
        return "no stations"
    shown = [fleet.station_id(i) for i in indices[:2]]
    last = fleet.station_id(indices[-1])
    listed = ", ".join(shown) + (f", ... {last}" if len(indices) > 2 else "")
    return f"stations {listed} ({len(indices)})"


async def run_scaled(
    job: RunJob,
    *,
    workers: int | None = None,
    csms_workers_count: int | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """Run ``job`` in one process or sharded over ``workers`` (None: ``default_workers``).
    Raises TooManyStations when a process would need more open files than it may have."""
    stations = len(job.fleet.my_indices)  # a segment's (--segment K/N), or the whole fleet
    count = workers if workers is not None else default_workers(stations)
    if count <= 1:
        embedded = not job.fleet.csms_url
        check_open_files(
            stations,
            sockets_per_station=2 if embedded else 1,
            what="fleet run in one process" + (" with the embedded CSMS" if embedded else ""),
            fix="use --workers 2 or more",
        )
        return await run_job(replace(job, fleet=_with_source_addresses(job.fleet)), progress=progress)
    return await run_sharded(job, count, csms_workers_count=csms_workers_count, progress=progress)


@dataclass(eq=False)
class _Shard:
    index: int
    indices: range
    label: str
    latest: dict[str, Any] | None = None  # the last recorder the worker sent
    outcome: dict[str, Any] | None = None  # its final report
    exit_code: int | None = None
    death: str | None = None
    process: WorkerProcess | None = None
    finished: trio.Event = field(default_factory=trio.Event)
    running: bool = False  # given its job (a worker killed before that did not die, it was not used)

    async def read(self) -> None:
        assert self.process is not None
        async for message in self.process.messages():
            self.latest = message[1]
            if message[0] == "final":
                self.outcome = message[2]
        self.exit_code = await self.process.wait()
        if self.running and (self.exit_code != 0 or self.outcome is None):
            kept = "its last report is kept" if self.latest is not None else "it sent no data"
            self.death = f"{self.label} died: {describe_exit(self.exit_code)} ({kept})"
            # on a terminal, below the progress line (which stays on one line: print_progress_line)
            newline = "\n" if sys.stderr.isatty() else ""
            print(f"{newline}fleet: {self.death}", file=sys.stderr, flush=True)
        self.finished.set()

    def last_report(self) -> RunRecorder | None:
        """What the worker measured, as of its last report. A dead worker's stations are
        disconnected from then on (whatever its last report said) and its death is an error."""
        if self.latest is None and self.death is None:
            return None
        recorder = RunRecorder.from_dict(self.latest) if self.latest is not None else RunRecorder()
        if self.death is not None:
            for _ in range(recorder.snapshot().connected):
                recorder.station_disconnected()
            recorder.error(WORKER_DIED, f"{self.death}; its stations are counted as disconnected")
        return recorder


def _merged(shards: list[_Shard]) -> RunRecorder:
    merged = RunRecorder()
    for shard in shards:
        report = shard.last_report()
        if report is not None:
            merged.merge(report)
    return merged


def _with_deaths(line: str, shards: list[_Shard]) -> str:
    """A progress line that names the workers that died: '..., worker 1 died'."""
    dead = [str(shard.index) for shard in shards if shard.death is not None]
    if not dead:
        return line
    return line + (f", worker {dead[0]} died" if len(dead) == 1 else f", workers {', '.join(dead)} died")


def _capture_path(path: str | None, index: int) -> str | None:
    # one file per worker: frames.jsonl -> frames.worker1.jsonl
    if path is None:
        return None
    p = Path(path)
    return str(p.with_name(f"{p.stem}.worker{index}{p.suffix}"))


async def run_sharded(
    job: RunJob,
    workers: int,
    *,
    csms_workers_count: int | None = None,
    progress: Progress | None = None,
    worker_reports: dict[int, dict[str, Any]] | None = None,
    on_merged: Callable[[RunRecorder], None] | None = None,
) -> JobResult:
    """Run ``job`` over ``workers`` processes and merge their results (see the module doc).
    ``worker_reports``, if given, receives each worker's last ``RunRecorder.to_dict()``;
    ``on_merged``, if given, the workers' merged recorder once a second (a live view). With
    ``job.abort_on_fail``, the parent judges the SLOs on that merged recorder and stops every
    worker when one is lost (the workers themselves do not judge their partial data)."""
    fleet = job.fleet
    check_open_files(
        math.ceil(fleet.stations / workers),
        sockets_per_station=1,
        what=f"fleet run --workers {workers}",
        fix=f"use more workers (at least --workers {default_workers(fleet.stations)})",
    )
    # every worker's simulated clock starts at the same wall-clock moment
    job = replace(
        job, sim_start_epoch=job.sim_start_epoch if job.sim_start_epoch is not None else time.time()
    )
    shards = _plan_shards(job, workers)
    pool: CsmsWorkerPool | None = None
    ledger: Ledger | None = None
    stop = _StopReason()
    watch = SloWatch(job.abort_on_fail) if job.abort_on_fail is not None else None
    async with AsyncExitStack() as stack:
        # opened before any worker starts: from here on, Ctrl-C stops the workers cleanly
        signals = stack.enter_context(trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM))
        await _spawn_workers(shards, await stack.enter_async_context(trio.open_nursery()))
        stack.callback(_kill_all, shards)
        if not fleet.csms_url:
            pool = await _start_embedded_csms(stack, job, csms_workers_count or workers)
            fleet = replace(fleet, csms_url=pool.url)
        fleet = _with_source_addresses(fleet)
        started = trio.current_time()
        await _hand_out_jobs(job, fleet, shards)
        async with trio.open_nursery() as watchers:
            watchers.start_soon(_progress_loop, shards, fleet.duration_s, progress, started, on_merged, watch)
            watchers.start_soon(
                _stop_workers_when_asked, shards, signals, fleet.duration_s + _STOP_GRACE_S, stop
            )
            if job.metrics_port is not None:
                for shard in shards:
                    watchers.start_soon(_export_in_place_of_the_dead, job, shard)
            for shard in shards:
                await shard.finished.wait()
            watchers.cancel_scope.cancel()
        if pool is not None:
            ledger = await pool.stop()
    if worker_reports is not None:
        worker_reports.update({shard.index: shard.latest for shard in shards if shard.latest is not None})
    result = _result(job, fleet, shards, pool, ledger, stop.signalled, started)
    if watch is not None and watch.lost is not None and result.summary is not None:
        result.summary["aborted"] = watch.lost.to_dict()
    return result


def _plan_shards(job: RunJob, workers: int) -> list[_Shard]:
    """Station ``i`` to worker ``i % workers`` (of a segment's stations: every ``workers``-th
    of them); no worker without stations."""
    mine = job.fleet.my_indices
    shards = []
    for k in range(min(workers, len(mine))):
        indices = strided_share(mine, k, workers)
        shards.append(_Shard(k, indices, f"worker {k} ({describe_shard(job, indices)})"))
    return shards


async def _spawn_workers(shards: list[_Shard], nursery: trio.Nursery) -> None:
    """Start every worker's interpreter, each read by a task of ``nursery``. Done before the
    CSMS workers start, so their Python start-ups overlap."""
    for shard in shards:
        shard.process = await WorkerProcess.spawn(_ENTRY, shard.label)
        nursery.start_soon(shard.read)


async def _start_embedded_csms(stack: AsyncExitStack, job: RunJob, count: int) -> CsmsWorkerPool:
    """The embedded CSMS in ``count`` processes on one free port, stopped when ``stack`` closes."""
    check_open_files(
        math.ceil(job.fleet.stations * 1.2 / count),  # SO_REUSEPORT spreads by hash, not evenly
        sockets_per_station=1,
        what=f"the embedded CSMS in {count} processes",
        fix="use more CSMS workers (--csms-workers)",
    )
    return await stack.enter_async_context(csms_workers(job.csms, "127.0.0.1", 0, count=count))


async def _hand_out_jobs(job: RunJob, fleet: FleetConfig, shards: list[_Shard]) -> None:
    """Send each worker its ``ShardSpec``: the job on its slice of ``fleet``, its own capture file
    and metrics port."""
    for shard in shards:
        assert shard.process is not None
        shard_job = replace(
            job,
            fleet=replace(fleet, indices=shard.indices),
            capture_path=_capture_path(job.capture_path, shard.index),
            # one exporter per worker on consecutive ports; PromQL's sum() adds them up
            metrics_port=None if job.metrics_port is None else job.metrics_port + shard.index,
            abort_on_fail=None,  # the parent judges the SLOs on every worker's data
        )
        await shard.process.send_spec(ShardSpec(shard_job, shard.index))
        shard.running = True


def _with_source_addresses(fleet: FleetConfig) -> FleetConfig:
    if fleet.source_addresses or not fleet.csms_url:
        return fleet
    return replace(fleet, source_addresses=automatic_source_addresses(fleet.csms_url, fleet.stations))


def _kill_all(shards: list[_Shard]) -> None:
    for shard in shards:
        if shard.process is not None:
            shard.process.kill()


async def _export_in_place_of_the_dead(job: RunJob, shard: _Shard) -> None:
    """If ``shard``'s worker dies, serve its Prometheus port until the run ends: its stations
    disconnected, its death a ``worker_died`` error (``dead_worker_export``)."""
    await shard.finished.wait()
    report = shard.last_report()
    if shard.death is None or report is None or job.metrics_port is None:
        return
    port = job.metrics_port + shard.index
    try:
        export = dead_worker_export(
            job.metrics_host,
            port,
            stations_by_version=stations_per_series(job.ocpp, shard.indices),
            ocpp_version=job.ocpp.label,
            booted=report.snapshot().booted,
            death=shard.death,
            run_info=job.run_info,
        )
    except MetricsPortUnavailable as exc:
        print(f"fleet: {shard.label}'s metrics are gone: {exc}", file=sys.stderr, flush=True)
        return
    await export.serve()


class _StopReason:
    signalled = False


async def _stop_workers_when_asked(
    shards: list[_Shard], signals: AsyncIterator[int], overdue_after: float, stop: _StopReason
) -> None:
    """On SIGINT/SIGTERM (or if the workers overrun the run's time), SIGTERM every worker; they
    stop their fleets cleanly and send their last report. SIGKILL whoever still runs later."""
    with trio.move_on_after(overdue_after):
        async for _ in signals:
            stop.signalled = True
            break
    for shard in shards:
        if shard.process is not None:
            shard.process.stop()
    await trio.sleep(_KILL_GRACE_S)
    for shard in shards:
        if shard.process is not None:
            shard.process.kill()


async def _progress_loop(
    shards: list[_Shard],
    duration_s: float,
    progress: Progress | None,
    started: float,
    on_merged: Callable[[RunRecorder], None] | None = None,
    watch: SloWatch | None = None,
) -> None:
    if progress is None and on_merged is None and watch is None:
        return
    configured = sum(len(shard.indices) for shard in shards)
    last: tuple[float, int] | None = None
    tick = 1
    while True:
        await trio.sleep_until(started + tick)
        tick += 1
        now = trio.current_time()
        merged = _merged(shards)
        if on_merged is not None:
            on_merged(merged)
        _abort_if_lost(watch, merged, now - started, shards)
        if progress is None:
            continue
        snapshot = merged.snapshot()
        rate = 0.0
        if last is not None and now > last[0]:
            rate = (snapshot.messages_sent - last[1]) / (now - last[0])
        last = (now, snapshot.messages_sent)
        line = format_progress(snapshot, rate, now - started, duration_s, stations_configured=configured)
        progress(_with_deaths(line, shards), now - started)


def _abort_if_lost(watch: SloWatch | None, merged: RunRecorder, elapsed: float, shards: list[_Shard]) -> None:
    """Abort on fail: an SLO lost stops every worker as a first Ctrl-C does (they drain, report)."""
    if watch is not None and watch.lost is None and watch.check(merged, elapsed) is not None:
        for shard in shards:
            if shard.process is not None:
                shard.process.stop()


def _result(
    job: RunJob,
    fleet: FleetConfig,
    shards: list[_Shard],
    pool: CsmsWorkerPool | None,
    ledger: Ledger | None,
    interrupted: bool,
    started: float,
) -> JobResult:
    outcomes = [shard.outcome for shard in shards if shard.outcome is not None]
    failures = [o["failure"] for o in outcomes if o.get("exit_code") == EXIT_UNREACHABLE]
    if outcomes and len(failures) == len(shards):
        return JobResult(EXIT_UNREACHABLE, None, failures[0])
    deaths = [shard.death for shard in shards if shard.death is not None]
    recorder = _merged(shards)
    extra: dict[str, Any] = {
        **how_it_ran(fleet, job.profile),
        "interrupted": interrupted or any(o.get("interrupted") for o in outcomes),
        "drain": DrainReport.merged(o["drain"] for o in outcomes if o.get("drain")),
        "workers": {
            "count": len(shards),
            "csms_workers": pool.size if pool is not None else 0,
            "died": deaths,
            "unreachable": failures,
            "csms_died": pool.failures if pool is not None else [],
        },
    }
    if fleet.deflate:
        extra["deflate"] = deflate_summary(
            fleet, sum(o["deflate"]["accepted"] for o in outcomes if o.get("deflate"))
        )
    if pool is not None and ledger is not None:
        extra["csms"] = ledger.summary()
        by_address: dict[str, int] = {}
        for address in pool.peer_addresses.values():
            by_address[address] = by_address.get(address, 0) + 1
        extra["source_addresses"] = dict(sorted(by_address.items()))
    duration = max((o.get("duration_s", 0.0) for o in outcomes), default=trio.current_time() - started)
    timeseries = _merged_timeseries(outcomes)
    if timeseries is not None:
        extra["timeseries"] = timeseries.to_dict()
        extra["outages"] = outage_windows(timeseries, started)  # each worker's windows, overlaps merged
    # a mixed fleet's results per version come from the workers' final reports: a worker that died
    # sent none, so that part of the result lacks its stations (workers.died says which)
    by_version = _merged_by_version(outcomes) if job.ocpp.label == "mixed" else {}
    summary = fleet_summary(recorder, by_version, fleet, job.ocpp, duration, extra)
    return JobResult(
        EXIT_WORKER_DIED if deaths else finished_run_code(summary),
        summary,
        recorder=recorder,
        by_version=by_version,
    )


def _merged_by_version(outcomes: list[dict[str, Any]]) -> dict[str, RunRecorder]:
    merged: dict[str, RunRecorder] = {}
    for outcome in outcomes:
        for version, data in (outcome.get("by_version") or {}).items():
            merged.setdefault(version, RunRecorder()).merge(RunRecorder.from_dict(data))
    return merged


def _merged_timeseries(outcomes: list[dict[str, Any]]) -> TimeSeries | None:
    """The workers' time series added point by point. Each is aligned on its own worker's start;
    the workers get their go within milliseconds of each other, well inside one interval."""
    series = [TimeSeries.from_dict(o["timeseries"]) for o in outcomes if o.get("timeseries")]
    if not series:
        return None
    merged = series[0]
    for other in series[1:]:
        merged.merge(other)
    return merged
