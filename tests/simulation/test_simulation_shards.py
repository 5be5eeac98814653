"""`fleet simulate --workers N`: the fleet split over processes gives the same forecast bytes."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from fleet.behaviour._profile_schema import Normal
from fleet.cli._exit_codes import ExitCode
from fleet.cli._simulate import add_simulate_command, run_simulate
from fleet.simulation import (
    FleetSpec,
    Simulation,
    SimulationConfig,
    WorkerDied,
    build_fleet,
    forecast_json,
    run_sharded,
    shard_ranges,
)
from fleet.simulation._forecast import build_forecast
from fleet.simulation._ledger import peak_of


def test_shard_ranges_cover_every_station_once() -> None:
    ranges = shard_ranges(10, 3)
    assert [list(r) for r in ranges] == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    assert shard_ranges(2, 5) == [range(0, 1), range(1, 2)]  # never an empty worker


def test_the_peak_counts_an_instant_after_all_its_changes() -> None:
    # a start and an end at the same instant at two stations: the order must not matter
    assert peak_of([(1.0, 1), (2.0, 1), (2.0, -1), (3.0, 1)]) == 2
    assert peak_of([(1.0, 1), (2.0, -1), (2.0, 1), (3.0, 1)]) == 2
    assert peak_of([]) == 0


def _in_process_shards(config: SimulationConfig, spec: FleetSpec, workers: int) -> bytes:
    """The merge path without processes: each slice simulated as part of the whole fleet."""
    outcomes = []
    for indices in shard_ranges(spec.count, workers):
        _, _, stations = build_fleet(spec, indices)
        simulation = Simulation(config, stations, first_index=indices.start, fleet_size=spec.count)
        simulation.run()
        outcomes.append(simulation.outcome())
    merged = outcomes[0]
    for outcome in outcomes[1:]:
        merged.merge(outcome)
    return forecast_json(build_forecast(config, merged, spec.count))


def test_a_profile_fleet_split_three_ways_merges_into_the_same_forecast() -> None:
    spec = FleetSpec(count=12, seed=4, profile="workplace")
    name, epoch, _ = build_fleet(spec, range(0))
    config = SimulationConfig(hours=10.0, seed=4, epoch=epoch, profile_name=name)
    whole = forecast_json(run_sharded(config, spec, 1))
    assert b'"TransactionEvent"' in whole
    assert _in_process_shards(config, spec, 3) == whole


def test_a_random_latency_is_drawn_per_station_so_shards_agree() -> None:
    spec = FleetSpec(count=6, seed=5)
    config = SimulationConfig(hours=2.0, seed=5, latency=Normal(mean=0.03, sd=0.01))
    assert _in_process_shards(config, spec, 2) == forecast_json(run_sharded(config, spec, 1))


def _simulate(*args: str) -> int:
    parser = argparse.ArgumentParser(prog="fleet")
    add_simulate_command(parser.add_subparsers(dest="command"))
    return run_simulate(parser.parse_args(["simulate", *args]))


def test_simulate_with_two_worker_processes_writes_the_same_file(tmp_path: Path) -> None:
    paths = {workers: tmp_path / f"forecast-{workers}.json" for workers in (1, 2)}
    for workers, path in paths.items():
        args = ["--stations", "6", "--hours", "2", "--seed", "8", "--out", str(path)]
        assert _simulate(*args, "--workers", str(workers)) == 0
    assert paths[1].read_bytes() == paths[2].read_bytes()


def test_a_worker_that_fails_is_named_with_its_stations_and_exit(tmp_path: Path) -> None:
    # the profile file is gone by the time the workers load it: each exits 1 (its traceback on
    # stderr); whichever is seen first is reported
    spec = FleetSpec(count=4, seed=1, profile=str(tmp_path / "gone.yaml"))
    with pytest.raises(WorkerDied) as caught:
        run_sharded(SimulationConfig(hours=1.0, seed=1), spec, 2)
    assert re.fullmatch(
        r"simulation worker [01] \(stations (0\.\.1|2\.\.3)\) died without a result \(exit code 1\); "
        r"run with fewer --workers or fewer --stations if memory ran out",
        str(caught.value),
    )


def test_simulate_reports_a_dead_worker_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a worker that exits at once, without a result, as a killed one would
    monkeypatch.setattr("fleet.simulation._shards._ENTRY", "sys:exit")
    assert _simulate("--stations", "6", "--hours", "1", "--workers", "2") == ExitCode.FAILED
    error = capsys.readouterr().err.splitlines()[-1]
    assert re.fullmatch(
        r"fleet simulate: error: simulation worker [01] \(stations (0\.\.2|3\.\.5)\) died without a "
        r"result \(exit code 0\); run with fewer --workers or fewer --stations if memory ran out",
        error,
    )


@pytest.mark.parametrize("workers", ["0", "-1", "x"])
def test_workers_must_be_a_positive_count(workers: str) -> None:
    parser = argparse.ArgumentParser(prog="fleet")
    add_simulate_command(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["simulate", "--workers", workers])
