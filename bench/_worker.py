"""The generator process: runs one fleet (or the peer) and writes what it measured about itself.

    python -m bench._worker JOB.json RAW_OUT.json

JOB.json is a ``WorkerJob``. Run by the harness, in its own process, so that its CPU time and RSS
are the generator's alone (the CSMS or responder is another process).
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import os
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import trio

from bench._probe import Sampler, Timeline, lag_probe
from bench._process_tree import tree_usage
from bench._worker_job import WorkerJob
from fleet.metrics import RunRecorder, Snapshot

_REPORT_DELAY_MAX_S = 2.0  # a shard worker's report interval + the parent's merge interval
_BASELINE_RUN_S = 1.2  # long enough for one of an empty shard's once-a-second reports


def main(argv: list[str]) -> int:
    job = msgspec.json.decode(Path(argv[0]).read_bytes(), type=WorkerJob)
    # load the generator's code before the baseline sample: its RSS is not a per-station cost
    importlib.import_module("bench.peer" if job.implementation == "peer" else "fleet.engine")
    sharded = job.implementation == "fleet" and job.scenario.workers > 1
    if job.implementation == "fleet":  # as `fleet run` does; the peer is left as a user writes it
        from fleet.processes import tune_gc_for_long_runs

        tune_gc_for_long_runs()
    # a shard worker's RSS with no stations, measured before the run in a process of its own
    worker_baseline = trio.run(shard_baseline_rss, job) if sharded else 0
    recorder = RunRecorder()
    live = _LiveView(recorder)
    origin = time.monotonic()
    timeline = Timeline(origin)
    lateness: list[tuple[float, float]] = []
    sampler = Sampler(live.snapshot, timeline)
    sampler.start()
    if job.implementation == "peer":
        summary = asyncio.run(_run_peer(job, recorder, lateness, origin))
    elif sharded:
        summary = trio.run(_run_sharded_fleet, job, live)
    else:
        summary = trio.run(_run_fleet, job, recorder, lateness, origin)
    sampler.stop()
    raw = {
        "summary": summary,
        "timeline": timeline.samples,
        "lateness": lateness,
        # (RSS at the end - this) / stations connected: the per-station RSS of every process
        "rss_baseline_bytes": timeline.samples[0][2] + job.scenario.workers * worker_baseline
        if sharded
        else timeline.samples[0][2],
        "worker_baseline_rss_bytes": worker_baseline,
        # when the stations' run began, in s since the timeline's origin: a sharded run's workers
        # start it once they are up (imports take seconds); the first station connects at once,
        # a worker reports 1 s into its run and the parent merges once a second: so at the latest
        # 2 s before the first report that shows a station (an early estimate ends the window early)
        "run_started_s": max(0.0, live.first_active - _REPORT_DELAY_MAX_S - origin)
        if live.first_active
        else 0.0,
    }
    Path(argv[1]).write_bytes(msgspec.json.encode(raw))
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is measured and written. An overloaded peer can leave thousands of schema
    # validations queued in asyncio's default executor, which a normal exit would wait for.
    os._exit(0)


async def _run_fleet(
    job: WorkerJob, recorder: RunRecorder, lateness: list[tuple[float, float]], origin: float
) -> dict[str, Any]:
    from fleet.engine import run_job

    run = _fleet_job(job)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(lag_probe, trio.sleep, lateness, origin)
        result = await run_job(run, recorder=recorder)
        nursery.cancel_scope.cancel()
    if result.summary is None:
        raise SystemExit(f"bench worker: the fleet could not run: {result.failure}")
    return result.summary


class _LiveView:
    """The counters the sampler reads: the bench's recorder in one process; in a sharded run the
    merge of the workers' latest reports, which the parent refreshes once a second."""

    def __init__(self, recorder: RunRecorder) -> None:
        self._recorder = recorder
        self._merged: Snapshot | None = None
        self.first_active: float | None = None  # time.monotonic() of the first report with a station

    def update(self, merged: RunRecorder) -> None:
        snapshot = merged.snapshot()
        if self.first_active is None and (snapshot.connected or snapshot.messages_sent):
            self.first_active = time.monotonic()
        self._merged = snapshot

    def snapshot(self) -> Snapshot:
        return self._merged if self._merged is not None else self._recorder.snapshot()


async def _run_sharded_fleet(job: WorkerJob, live: _LiveView) -> dict[str, Any]:
    """`fleet run --workers N`: this process is the parent, the shards are its children."""
    from fleet.engine import run_sharded

    result = await run_sharded(_fleet_job(job), job.scenario.workers, on_merged=live.update)
    if result.summary is None:
        raise SystemExit(f"bench worker: the sharded fleet could not run: {result.failure}")
    return result.summary


async def shard_baseline_rss(job: WorkerJob) -> int:
    """RSS of a shard worker with no stations: the real shard entry point (a fresh interpreter,
    the same imports and job) given an empty slice of the station ids; the most it held while
    it ran (sampled every 50 ms until it exits)."""
    from fleet.engine._worker import ShardSpec
    from fleet.processes import WorkerProcess

    run = _fleet_job(job)
    fleet = dataclasses.replace(run.fleet, indices=range(0), duration_s=_BASELINE_RUN_S)
    spec = ShardSpec(dataclasses.replace(run, fleet=fleet), 0)
    worker = await WorkerProcess.start("fleet.engine._worker:main", spec, "baseline shard")
    most = 0

    async def sample() -> None:
        nonlocal most
        while True:
            most = max(most, tree_usage(worker.process.pid)[1])
            await trio.sleep(0.05)

    with trio.fail_after(_BASELINE_RUN_S + 60):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sample)
            async for _ in worker.messages():  # until the worker closes its channel and exits
                pass
            nursery.cancel_scope.cancel()
        await worker.wait()
    return most


def _fleet_job(job: WorkerJob) -> Any:
    from fleet.behaviour import DriverSettings, load_profile, resolve_profile
    from fleet.engine import FleetConfig, RunJob, automatic_source_addresses, parse_source_addresses

    scenario = job.scenario
    profile = scenario.profile
    speed = profile.speed if profile is not None else 1.0
    start = None
    if profile is not None and profile.start is not None:
        from datetime import UTC, datetime

        moment = datetime.fromisoformat(profile.start)
        start = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    addresses = (
        parse_source_addresses(str(scenario.source_addresses))
        if scenario.source_addresses
        else automatic_source_addresses(job.csms_url, job.stations)
    )
    return RunJob(
        fleet=FleetConfig(
            csms_url=job.csms_url,
            stations=job.stations,
            duration_s=job.duration_s,
            ramp_per_s=scenario.ramp_per_s,
            seed=scenario.seed,
            id_prefix=job.id_prefix,
            connect_timeout_s=30.0,
            speed=speed,
            source_addresses=addresses,
        ),
        evses_per_station=scenario.evses,
        driver=DriverSettings(
            mean_idle_s=scenario.driver.idle_mean_s,
            mean_charge_s=scenario.driver.charge_mean_s,
            step_s=scenario.driver.step_s,
        ),
        profile=load_profile(resolve_profile(profile.name)) if profile is not None else None,
        sim_start_epoch=start,
    )


async def _run_peer(
    job: WorkerJob, recorder: RunRecorder, lateness: list[tuple[float, float]], origin: float
) -> dict[str, Any]:
    from bench.peer import PeerConfig, run_peer_fleet

    scenario = job.scenario
    config = PeerConfig(
        csms_url=job.csms_url,
        stations=job.stations,
        duration_s=job.duration_s,
        ramp_per_s=scenario.ramp_per_s,
        seed=scenario.seed,
        evses=scenario.evses,
        idle_mean_s=scenario.driver.idle_mean_s,
        charge_mean_s=scenario.driver.charge_mean_s,
        step_s=scenario.driver.step_s,
        id_prefix=job.id_prefix,
    )
    probe = asyncio.create_task(lag_probe(asyncio.sleep, lateness, origin))
    ran_s = await run_peer_fleet(config, recorder)
    probe.cancel()
    return recorder.summary(
        ocpp_version="2.0.1",
        duration_s=round(ran_s, 3),
        stations_configured=job.stations,
        extra={"csms_url": job.csms_url, "seed": scenario.seed},
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
