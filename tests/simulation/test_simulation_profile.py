"""`fleet simulate --profile`: ProfileStations (outages, app starts) in virtual time, twice the same."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fleet.cli._simulate import add_simulate_command, run_simulate


def _run(out: Path) -> bytes:
    parser = argparse.ArgumentParser(prog="fleet")
    add_simulate_command(parser.add_subparsers(dest="command"))
    # 06:00-12:00 local of a Monday covers the workplace morning arrivals
    ns = parser.parse_args(
        [
            "simulate",
            "--profile",
            "workplace",
            "--model",
            "frames",
            "--stations",
            "8",
            "--hours",
            "11",
            "--seed",
            "4",
            "--out",
            str(out),
        ]
    )
    assert run_simulate(ns) == 0
    return out.read_bytes()


def test_a_workplace_morning_is_reproducible_and_has_sessions(tmp_path: Path) -> None:
    first = _run(tmp_path / "a.json")
    assert _run(tmp_path / "b.json") == first
    forecast = json.loads(first)
    summary = forecast["summary"]
    assert forecast["config"]["profile"] == "workplace"
    assert summary["transactions_started"] > 0
    assert summary["messages_by_action"]["TransactionEvent"] > 0
    assert summary["protocol_errors"] == {}
    assert summary["station_view"]["frames_refused"] == 0
    # nights are quiet at a workplace: no transaction before 05:00 local
    assert max(forecast["series"]["concurrent_transactions"][: 5 * 60]) == 0
