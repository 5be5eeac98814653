"""`fleet simulate` through its argument parser: files written, bad input refused with exit 2."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from fleet.cli._simulate import add_simulate_command, run_simulate


def _parse(*args: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fleet")
    add_simulate_command(parser.add_subparsers(dest="command"))
    return parser.parse_args(["simulate", *args])


def test_simulate_writes_the_forecast_and_the_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, plot = tmp_path / "forecast.json", tmp_path / "forecast.png"
    ns = _parse(
        "--stations",
        "5",
        "--hours",
        "1",
        "--seed",
        "3",
        "--latency-ms",
        "10",
        "--out",
        str(out),
        "--plot",
        str(plot),
    )
    assert run_simulate(ns) == 0
    forecast = json.loads(out.read_text())
    assert forecast["config"]["stations"] == 5
    assert forecast["config"]["latency_one_way"] == {"kind": "fixed", "value_ms": 10.0}
    assert forecast["summary"]["latency_ms"]["by_action"]["Heartbeat"]["p50"] >= 20.0
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert _parse("--latency", "10ms").latency_s == ns.latency_s == _parse("--latency", "0.01").latency_s
    printed = capsys.readouterr().out
    assert f"messages received by the CSMS: {forecast['summary']['messages_total']}" in printed


def test_a_missing_profile_is_refused_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.toml"
    assert run_simulate(_parse("--profile", str(missing), "--hours", "1")) == 2
    error = capsys.readouterr().err
    assert "fleet simulate: error:" in error
    assert "nope.toml" in error
