"""`fleet simulate --profile`: the session model is the default, reproducible bit for bit, the
same for any split of the fleet, and shows the profile's daily shape."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from fleet.cli._simulate import add_simulate_command, run_simulate
from fleet.simulation import (
    FleetSpec,
    SimulationConfig,
    build_fleet,
    forecast_json,
    run_session_model,
    run_sharded,
    shard_ranges,
)
from fleet.simulation._forecast import build_forecast


def _simulate(*args: str) -> int:
    parser = argparse.ArgumentParser(prog="fleet")
    add_simulate_command(parser.add_subparsers(dest="command"))
    return run_simulate(parser.parse_args(["simulate", *args]))


def test_a_workplace_day_of_1000_stations_twice_gives_the_same_file_and_a_morning_peak(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        args = ["--profile", "workplace", "--stations", "1000", "--hours", "24", "--seed", "1"]
        assert _simulate(*args, "--out", str(out), "--plot", str(tmp_path / "a.png")) == 0
        files.append(out.read_bytes())
    assert files[0] == files[1]
    forecast = json.loads(files[0])
    assert forecast["config"]["model"] == "sessions"
    assert (tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")
    per_minute = forecast["series"]["messages_total"]
    night = sum(per_minute[2 * 60 : 5 * 60]) / 180
    morning = sum(per_minute[8 * 60 : 11 * 60]) / 180
    assert morning > 3 * night  # commuters plug in: meter values from ~all the bays
    starts = forecast["series"]["concurrent_transactions"]
    assert max(starts[: 5 * 60]) < max(starts[8 * 60 : 12 * 60]) / 10
    printed = capsys.readouterr()
    assert "sessions model" in printed.err
    assert "not timed per message by the session model" in printed.out


def test_the_sessions_of_a_split_fleet_merge_into_the_whole_forecast() -> None:
    spec = FleetSpec(count=30, seed=6, profile="urban_public")
    name, epoch, _ = build_fleet(spec, range(0))
    config = SimulationConfig(hours=12.0, seed=6, epoch=epoch, profile_name=name, model="sessions")
    whole = forecast_json(run_sharded(config, spec, 1))
    outcomes = [
        run_session_model(config, "urban_public", 30, 6, indices=indices) for indices in shard_ranges(30, 4)
    ]
    merged = outcomes[0]
    for outcome in outcomes[1:]:
        merged.merge(outcome)
    assert forecast_json(build_forecast(config, merged, 30)) == whole
    assert forecast_json(run_sharded(config, spec, 2)) == whole  # two worker processes


def test_the_session_model_needs_a_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert _simulate("--model", "sessions", "--stations", "3", "--hours", "1") == 2
    assert "--model sessions needs --profile" in capsys.readouterr().err


def test_the_frames_model_still_runs_a_profile_on_request(tmp_path: Path) -> None:
    out = tmp_path / "frames.json"
    args = ["--profile", "highway_dc", "--model", "frames", "--stations", "2", "--hours", "2"]
    assert _simulate(*args, "--out", str(out)) == 0
    forecast = json.loads(out.read_text())
    assert forecast["config"]["model"] == "frames"
    assert forecast["summary"]["latency_ms"]["all"]["count"] == forecast["summary"]["messages_total"]
