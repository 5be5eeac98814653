"""`fleet simulate` what-if settings: a meter-value interval, an aligned interval and a heartbeat
interval other than the profile's / the CSMS model's change the forecast as the station core
would — the session model and the frames model alike."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from fleet.cli._simulate import add_simulate_command, run_simulate
from fleet.csms import CsmsConfig
from fleet.simulation import FleetSpec, Model, SamplingOverride, SimulationConfig, build_fleet, run_sharded


def _forecast(
    model: Model, sampling: SamplingOverride | None = None, heartbeat: int = 300
) -> dict[str, object]:
    spec = FleetSpec(count=12, seed=5, profile="workplace", sampling=sampling)
    name, epoch, _ = build_fleet(spec, range(0))
    config = SimulationConfig(
        hours=24.0,
        seed=5,
        epoch=epoch,
        profile_name=name,
        model=model,
        csms=CsmsConfig(heartbeat_interval=heartbeat),
    )
    forecast = run_sharded(config, spec, 1)
    return {"config": forecast.config, **forecast.summary}


def _by_action(forecast: dict[str, object]) -> dict[str, int]:
    counts = forecast["messages_by_action"]
    assert isinstance(counts, dict)
    return counts


def test_meter_values_twice_as_often_double_the_meter_traffic_in_both_models() -> None:
    base = _by_action(_forecast("sessions"))
    faster = SamplingOverride(tx_updated_interval_s=30, aligned_data_interval_s=0)
    sessions, frames = _forecast("sessions", faster), _forecast("frames", faster)
    assert sessions["config"]["tx_updated_interval_s"] == 30  # type: ignore[index]
    te = _by_action(sessions)["TransactionEvent"]
    # 60 s -> 30 s doubles the periodic ones; the aligned ones (every 900 s) are gone
    assert 1.85 * base["TransactionEvent"] < te < 2.05 * base["TransactionEvent"]
    assert abs(te - _by_action(frames)["TransactionEvent"]) <= 0.001 * te + 2
    assert _by_action(sessions)["Heartbeat"] == _by_action(frames)["Heartbeat"] == base["Heartbeat"]


def test_a_shorter_heartbeat_interval_shows_up_in_both_models_alike() -> None:
    base = _by_action(_forecast("sessions"))
    sessions, frames = _forecast("sessions", heartbeat=60), _forecast("frames", heartbeat=60)
    assert sessions["config"]["heartbeat_interval_s"] == 60  # type: ignore[index]
    beats = _by_action(sessions)["Heartbeat"]
    assert beats == _by_action(frames)["Heartbeat"]
    # idle stations beat every ~60 s instead of ~300 s; charging ones are kept busy by meter values
    assert 4 * base["Heartbeat"] < beats < 5.2 * base["Heartbeat"]


def test_sampling_overrides_need_a_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="fleet")
    add_simulate_command(parser.add_subparsers(dest="command"))
    refused = parser.parse_args(["simulate", "--meter-interval", "30", "--hours", "1"])
    assert run_simulate(refused) == 2
    assert "use them with --profile" in capsys.readouterr().err
    out = tmp_path / "f.json"
    args = ["simulate", "--profile", "urban_public", "--stations", "5", "--hours", "2"]
    ok = parser.parse_args(
        [*args, "--aligned-interval", "0", "--heartbeat-interval", "120", "--out", str(out)]
    )
    assert run_simulate(ok) == 0
    config = json.loads(out.read_text())["config"]
    assert config["aligned_data_interval_s"] == 0 and config["heartbeat_interval_s"] == 120
    assert "tx_updated_interval_s" not in config  # only what was changed is echoed
    with pytest.raises(SystemExit):
        parser.parse_args(["simulate", "--meter-interval", "-5"])
