"""The generator process: runs one fleet (or the peer) and writes what it measured about itself.

    python -m bench._worker JOB.json RAW_OUT.json

JOB.json is a ``WorkerJob``. Run by the harness, in its own process, so that its CPU time and RSS
are the generator's alone (the CSMS or responder is another process).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import trio

from bench._probe import Sampler, Timeline, lag_probe
from bench._worker_job import WorkerJob
from fleet.metrics import RunRecorder


def main(argv: list[str]) -> int:
    job = msgspec.json.decode(Path(argv[0]).read_bytes(), type=WorkerJob)
    # load the generator's code before the baseline sample: its RSS is not a per-station cost
    importlib.import_module("bench.peer" if job.implementation == "peer" else "fleet.engine")
    recorder = RunRecorder()
    origin = time.monotonic()
    timeline = Timeline(origin)
    lateness: list[tuple[float, float]] = []
    sampler = Sampler(recorder, timeline)
    sampler.start()
    if job.implementation == "peer":
        summary = asyncio.run(_run_peer(job, recorder, lateness, origin))
    else:
        summary = trio.run(_run_fleet, job, recorder, lateness, origin)
    sampler.stop()
    raw = {"summary": summary, "timeline": timeline.samples, "lateness": lateness}
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


def _fleet_job(job: WorkerJob) -> Any:
    from fleet.behaviour import DriverSettings, load_profile, resolve_profile
    from fleet.engine import FleetConfig, RunJob

    scenario = job.scenario
    profile = scenario.profile
    speed = profile.speed if profile is not None else 1.0
    start = None
    if profile is not None and profile.start is not None:
        from datetime import UTC, datetime

        moment = datetime.fromisoformat(profile.start)
        start = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
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
