"""`fleet simulate --workers N`: the fleet split by station index over N processes.

Stations are independent in the simulation (each has its own random streams, connect time and
CSMS session), so each worker builds and runs only its slice and the parent merges the outcomes
exactly (counts add, histograms merge, peaks are taken from the merged timed changes): the
forecast is the same bytes for any N. Stations are built in the worker that runs them, never
pickled; only the outcome travels back. The workers are children of fleet.processes
(``results_of_children``), each running ``main`` below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fleet.processes import ChildDied, ParentChannel, results_of_children, run_child
from fleet.simulation._config import DEFAULT_EPOCH, SimulationConfig
from fleet.simulation._fleets import SamplingOverride, load_profile_fleet, simple_fleet
from fleet.simulation._forecast import Forecast, build_forecast
from fleet.simulation._loop import ProgressHook, Simulation
from fleet.simulation._outcome import SimulationOutcome
from fleet.simulation._session_model import run_session_model
from fleet.simulation._site_caps import SiteCaps
from fleet.station import ShellStation

_ENTRY = "fleet.simulation._shards:main"


@dataclass(frozen=True, slots=True)
class FleetSpec:
    """What to build: ``count`` stations of a profile (a bundled name or a file), or of the
    simple driver with ``evses`` EVSEs each when ``profile`` is None."""

    count: int
    seed: int
    profile: str | None = None
    evses: int = 2
    id_prefix: str = "SIM-"
    sampling: SamplingOverride | None = None  # what-if meter-value intervals (profiles only)
    ocpp_16_share: float = 0.0  # the share of stations speaking OCPP 1.6 (frames model only)
    start_utc: float = DEFAULT_EPOCH  # the UTC day whose local midnight starts the simulation
    site_caps: SiteCaps | None = None  # power caps per station (profiles only)
    keep_records: bool = True  # every driver's record in the forecast (session model; for --sessions)


class WorkerDied(RuntimeError):
    """A shard's process ended without an outcome (killed, out of memory)."""


def build_fleet(spec: FleetSpec, indices: range | None = None) -> tuple[str, float, Sequence[ShellStation]]:
    """(profile name, epoch, stations) of the spec, or of its ``indices`` only. Raises
    fleet.behaviour.ProfileError for a bad profile."""
    if spec.profile is None:
        stations = simple_fleet(
            spec.count,
            seed=spec.seed,
            epoch=spec.start_utc,
            evses=spec.evses,
            id_prefix=spec.id_prefix,
            indices=indices,
            ocpp_16_share=spec.ocpp_16_share,
        )
        return "simple", spec.start_utc, stations
    profile, epoch, profiled = load_profile_fleet(
        spec.profile,
        spec.count,
        seed=spec.seed,
        id_prefix=spec.id_prefix,
        indices=indices,
        sampling=spec.sampling,
        ocpp_16_share=spec.ocpp_16_share,
        start_utc=spec.start_utc,
        site_caps=spec.site_caps,
    )
    return profile.name, epoch, profiled


def shard_ranges(count: int, workers: int) -> list[range]:
    """Contiguous, nearly equal slices of ``range(count)``, one per worker (none empty)."""
    workers = max(1, min(workers, count))
    return [range(k * count // workers, (k + 1) * count // workers) for k in range(workers)]


def run_sharded(
    config: SimulationConfig,
    spec: FleetSpec,
    workers: int,
    *,
    on_progress: ProgressHook | None = None,
) -> Forecast:
    """Simulate the spec's fleet on ``workers`` processes (1: in this process, with progress).
    Raises WorkerDied when a worker process dies."""
    return _echo_sampling(_forecast(config, spec, workers, on_progress), spec.sampling)


def _forecast(
    config: SimulationConfig, spec: FleetSpec, workers: int, on_progress: ProgressHook | None
) -> Forecast:
    ranges = shard_ranges(spec.count, workers)
    if len(ranges) == 1:
        if config.model == "sessions":
            return build_forecast(config, _run_sessions(config, spec, None, on_progress), spec.count)
        _, _, stations = build_fleet(spec)
        return Simulation(config, stations, on_progress=on_progress).run()
    outcomes = _outcomes_of_workers(config, spec, ranges)
    merged = outcomes[0]
    for outcome in outcomes[1:]:
        merged.merge(outcome)
    return build_forecast(config, merged, spec.count)


@dataclass(frozen=True, slots=True)
class _ShardJob:
    """What one worker process is given: the whole fleet's spec and the slice it runs."""

    config: SimulationConfig
    spec: FleetSpec
    indices: range


def _outcomes_of_workers(
    config: SimulationConfig, spec: FleetSpec, ranges: list[range]
) -> list[SimulationOutcome]:
    """Each slice's outcome from a worker process of its own, all at once. Raises WorkerDied."""
    jobs = [
        (
            f"simulation worker {number} (stations {indices.start}..{indices.stop - 1})",
            _ShardJob(config, spec, indices),
        )
        for number, indices in enumerate(ranges)
    ]
    try:
        return results_of_children(_ENTRY, jobs)
    except ChildDied as exc:
        raise WorkerDied(f"{exc}; run with fewer --workers or fewer --stations if memory ran out") from None


def run_shard(config: SimulationConfig, spec: FleetSpec, indices: range) -> SimulationOutcome:
    """One worker: build the stations of ``indices`` and simulate them as part of the fleet."""
    if config.model == "sessions":
        return _run_sessions(config, spec, indices, None)
    _, _, stations = build_fleet(spec, indices)
    simulation = Simulation(config, stations, first_index=indices.start, fleet_size=spec.count)
    simulation.run()
    return simulation.outcome()


def main() -> None:
    """A worker process: run its slice, send the outcome, exit."""
    run_child(_run_job, long_run=False)


async def _run_job(job: _ShardJob, channel: ParentChannel) -> None:
    await channel.send(run_shard(job.config, job.spec, job.indices))


def _echo_sampling(forecast: Forecast, sampling: SamplingOverride | None) -> Forecast:
    """The what-if meter-value intervals in the forecast's ``config``, when any were set."""
    if sampling is None:
        return forecast
    echo = dict(forecast.config)
    if sampling.tx_updated_interval_s is not None:
        echo["tx_updated_interval_s"] = sampling.tx_updated_interval_s
    if sampling.aligned_data_interval_s is not None:
        echo["aligned_data_interval_s"] = sampling.aligned_data_interval_s
    return Forecast(echo, forecast.series, forecast.summary, forecast.sites)


def _run_sessions(
    config: SimulationConfig, spec: FleetSpec, indices: range | None, on_progress: ProgressHook | None
) -> SimulationOutcome:
    if spec.profile is None:
        raise ValueError(
            "the session model needs a behaviour profile; the simple driver runs on --model frames"
        )
    if spec.ocpp_16_share > 0.0:
        raise ValueError("the session model counts OCPP 2.0.1 messages; 1.6 stations run on --model frames")
    # the session model reports the share of stations done; the hook takes simulated seconds
    progress = None if on_progress is None else (lambda share: on_progress(share * config.duration_s))
    return run_session_model(
        config,
        spec.profile,
        spec.count,
        spec.seed,
        id_prefix=spec.id_prefix,
        indices=indices,
        on_progress=progress,
        sampling=spec.sampling,
        start_utc=spec.start_utc,
        site_caps=spec.site_caps,
        keep_records=spec.keep_records,
    )
