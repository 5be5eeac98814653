"""The bench harness end to end on a tiny scenario: the result JSON has the machine facts and
plausible figures, and `compare` flags a regression and passes an equal pair. Runs the harness
as a user does (`python -m bench` from the repository root) with bounded subprocess timeouts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
_TIMEOUT_S = 120  # a bound, not an expectation: the tiny run takes seconds

_TINY = """\
description = "harness test: {stations} stations, {duration} s"
stations = {stations}
duration_s = {duration}
ramp_per_s = 100
seed = 7
measures = ["connect_boot_all_s", "errors"]

[csms]
heartbeat_interval = 1

[driver]
idle_mean_s = 1e9
"""


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )


def _run_tiny(tmp_path: Path, stations: int, duration: int, *extra: str) -> dict[str, Any]:
    scenario = tmp_path / "tiny_bench.toml"
    scenario.write_text(_TINY.format(stations=stations, duration=duration))
    done = _bench("run", str(scenario), "--out", str(tmp_path / "results"), *extra)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads((tmp_path / "results" / "tiny_bench.json").read_text())
    return result


def _check_figures(figures: dict[str, float], stations: int, duration: int) -> None:
    assert figures["stations_configured"] == stations
    assert figures["stations_connected_peak"] == stations
    assert figures["stations_booted"] == stations
    assert figures["errors"] == 0
    # boot, one StatusNotification per EVSE, then a heartbeat a second per station (interval 1 s)
    assert figures["messages"] >= 2 * stations
    assert 0 < figures["connect_boot_all_s"] < duration
    assert figures["messages_per_s"] > 0
    assert figures["cpu_us_per_message"] > 0
    assert figures["rss_per_station_kb"] > 0
    assert figures["latency_p99_ms.BootNotification"] >= figures["latency_p50_ms.BootNotification"] > 0
    assert figures["lag_max_ms"] >= figures["lag_p99_ms"] >= 0


def test_bench_run_writes_machine_facts_and_figures_and_compare_judges(tmp_path: Path) -> None:
    stations, duration = 5, 3
    result = _run_tiny(tmp_path, stations, duration)
    machine = result["machine"]
    assert machine["cores"] >= 1 and machine["memory_gib"] > 0
    assert machine["python"] == ".".join(map(str, sys.version_info[:3]))
    assert isinstance(machine["git_dirty"], bool) and machine["git_commit"]
    assert machine["versions"]["trio"] and machine["versions"]["msgspec"]
    assert result["scenario"]["name"] == "tiny_bench" and result["scenario"]["stations"] == stations
    _check_figures(result["figures"], stations, duration)
    # the summary the worker recorded agrees with the figures drawn from it
    assert result["summary"]["stations"]["booted"] == stations
    assert result["csms_ledger"][0]["stations_booted"] == stations

    same = tmp_path / "same.json"
    same.write_text(json.dumps(result))
    equal = _bench("compare", str(same), str(same))
    assert equal.returncode == 0, equal.stdout + equal.stderr
    assert "regression" not in equal.stdout

    worse = json.loads(json.dumps(result))
    worse["figures"]["cpu_us_per_message"] *= 1.5  # 50 % more CPU per message
    worse["figures"]["messages_per_s"] *= 0.95  # 5 % fewer messages: within a 10 % tolerance
    worse_path = tmp_path / "worse.json"
    worse_path.write_text(json.dumps(worse))
    judged = _bench("compare", str(same), str(worse_path), "--tolerance", "10%")
    assert judged.returncode == 1
    verdicts = {line.split()[0]: line.split()[-1] for line in judged.stdout.splitlines()[1:]}
    assert verdicts["cpu_us_per_message"] == "regression"
    assert verdicts["messages_per_s"] == "worse"
    assert "cpu_us_per_message" in judged.stderr


def test_bench_peer_baseline_runs_in_the_same_harness_with_ratios(tmp_path: Path) -> None:
    stations, duration = 3, 3
    result = _run_tiny(tmp_path, stations, duration, "--peer")
    _check_figures(result["peer"]["figures"], stations, duration)
    ratio = result["ratio_to_peer"]
    fleet, peer = result["figures"], result["peer"]["figures"]
    assert ratio["cpu_us_per_message"] == pytest.approx(
        fleet["cpu_us_per_message"] / peer["cpu_us_per_message"], rel=1e-2
    )
    assert ratio["stations_booted"] == 1.0


def test_bench_scenario_with_a_wrong_field_names_file_and_field(tmp_path: Path) -> None:
    scenario = tmp_path / "broken.toml"
    scenario.write_text(_TINY.format(stations=2, duration=1).replace("[csms]", "[csms]\nheartbeat = 1"))
    done = _bench("run", str(scenario), "--out", str(tmp_path))
    assert done.returncode == 2
    assert "broken.toml" in done.stderr and "heartbeat" in done.stderr
    assert not list(tmp_path.glob("*.json"))
