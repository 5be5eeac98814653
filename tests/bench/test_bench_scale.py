"""The harness at scale: sharded generators measured together (CPU and RSS over every process,
an empty shard's RSS as the per-worker baseline), the embedded CSMS in several processes, the
share of EVSEs in a transaction and station timer lateness drawn from the run's time series."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench._figures import figures
from bench._process_tree import tree_usage
from bench._scenario import ScenarioError, load_scenario
from fleet.metrics import TimeSeries

REPO = Path(__file__).resolve().parents[2]
_TIMEOUT_S = 120  # a bound, not an expectation

_SHARDED = """\
description = "harness test: sharded fleet and CSMS"
stations = 6
duration_s = 4
ramp_per_s = 100
workers = 2
csms_workers = 2
source_addresses = 2

[csms]
heartbeat_interval = 1

[driver]
idle_mean_s = 0.5
charge_mean_s = 30
step_s = 0.1
"""


def test_bench_runs_a_sharded_fleet_against_a_sharded_csms(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny_sharded.toml"
    scenario.write_text(_SHARDED)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "run", str(scenario), "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads((tmp_path / "tiny_sharded.json").read_text())
    got = result["figures"]
    assert got["stations_booted"] == 6 and got["errors"] == 0
    assert got["processes"] == 3  # the parent and its two shard workers, sampled together
    assert result["summary"]["workers"]["count"] == 2 and not result["summary"]["workers"]["died"]
    # both CSMS processes' ledgers merged into one
    assert result["csms_ledger"][0]["stations_booted"] == 6
    baseline = result["rss_baseline_bytes"]
    assert baseline["per_shard_worker"] > 0 and baseline["total"] > 2 * baseline["per_shard_worker"]
    # drivers arrive ~0.5 s after the boot: the sampled timeline sees their transactions
    columns = result["timeline"]["columns"]
    active = columns.index("transactions_active")
    assert max(sample[active] for sample in result["timeline"]["samples"]) > 0
    assert got["timer_lateness_count"] > 0


def test_process_tree_usage_adds_up_the_children() -> None:
    alone_cpu, alone_rss, alone = tree_usage()
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"  # started: its interpreter is in memory
        cpu, rss, count = tree_usage()
        child_only = tree_usage(child.pid)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
    assert alone == 1 and count == 2 and child_only[2] == 1
    # the child's pages are counted on top of ours (ours may shrink a little between the samples:
    # a garbage collection returns memory)
    assert child_only[1] > 0 and rss >= child_only[1] + 0.9 * alone_rss
    assert cpu >= alone_cpu
    assert tree_usage(os.getpid())[2] == 1


def _raw(samples: list[tuple[float, ...]], series: dict[str, Any] | None, baseline: int) -> dict[str, Any]:
    summary = {
        "stations": {"connected_peak": 4, "booted": 4, "reconnects": 0},
        "messages_sent": int(samples[-1][5]),
        "errors": [],
        "actions": {},
        "timeseries": series,
    }
    return {"summary": summary, "timeline": samples, "lateness": [], "rss_baseline_bytes": baseline}


def test_figures_per_station_rss_from_the_baseline_share_in_transactions_and_steady_lateness() -> None:
    now = [0.0]
    series = TimeSeries(lambda: now[0])
    for t, late in ((0.5, 0.2), (1.5, 0.2), (3.5, 0.001), (4.5, 0.002), (5.5, 0.003)):
        now[0] = t
        series.timer_fired(late)
    now[0] = 9.0
    # (t, cpu_s, rss, connected, booted, messages, transactions_active, processes); 4 stations x 2 EVSEs
    samples: list[tuple[float, ...]] = [
        (0.0, 1.0, 100 * 1024, 0, 0, 0, 0, 1),
        (2.0, 2.0, 300 * 1024, 4, 4, 10, 0, 3),
        (4.0, 3.0, 300 * 1024, 4, 4, 30, 2, 3),
        (6.0, 4.0, 300 * 1024, 4, 4, 50, 4, 3),
    ]
    got = figures(_raw(samples, series.to_dict(), 60 * 1024), stations=4, duration_s=7.0, evses=2)
    assert got["rss_per_station_kb"] == 60.0  # (300 - 60) KB / 4 stations
    assert got["processes"] == 3
    assert got["cpu_us_per_round_trip"] == pytest.approx(2.0 / 40 * 1e6)
    # the steady state starts at 2.0 s: shares 0/8, 2/8, 4/8
    assert got["transactions_active_share_mean"] == 0.25 and got["transactions_active_share_min"] == 0.0
    assert got["timer_lateness_count"] == 5
    assert got["timer_lateness_steady_count"] == 3  # the buckets from 2 s on
    assert got["timer_lateness_steady_p99_ms"] == pytest.approx(3.0, rel=0.05)


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ("workers = 0", "workers: expected a count >= 1"),
        ('target = "responder"\ncsms_workers = 2', "csms_workers: only the embedded CSMS"),
        ("source_addresses = -1", "source_addresses: expected a count >= 0"),
        ('transport = "lean"', "unknown field `transport`"),  # the task-per-station engines are gone
    ],
)
def test_bench_scale_fields_are_checked(tmp_path: Path, extra: str, complaint: str) -> None:
    scenario = tmp_path / "bad_scale.toml"
    scenario.write_text(f'description = "x"\nstations = 2\nduration_s = 1\n{extra}\n')
    with pytest.raises(ScenarioError, match=r"bad_scale\.toml") as caught:
        load_scenario(scenario)
    assert complaint in str(caught.value)
