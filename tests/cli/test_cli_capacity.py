"""`fleet capacity` as CI runs it: the one-line answer on stdout, a line per step on stderr, exit
7 when the CSMS holds fewer than --expect stations, one clear line and exit 2 for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from fleet.cli._exit_codes import ExitCode

FLEET = [sys.executable, "-m", "fleet"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("FLEET_")}
# heartbeats every second to a CSMS that serves 10 ms per message: 100 msg/s at most
ONE_STEP = [
    "capacity",
    "--slo", "p99(Heartbeat) < 100ms",
    "--slo", "error_rate < 1%",
    "--start-stations", "20",
    "--max-stations", "20",
    "--hold", "2s",
    "--warmup", "1s",
    "--ramp", "1000",
    "--csms-heartbeat-interval", "1",
    "--csms-service-time", "10ms",
    "--idle-mean", "1h",
    "--drain-timeout", "0",
]  # fmt: skip


async def _fleet(*args: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process(
            [*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False, env=CLEAN_ENV
        )


async def test_expect_more_than_it_holds_exits_7_with_the_answer(tmp_path: Path) -> None:
    out, report = tmp_path / "capacity.json", tmp_path / "capacity.html"
    done = await _fleet(*ONE_STEP, "--expect", "50", "--out", str(out), "--report", str(report))
    assert done.returncode == int(ExitCode.CAPACITY_BELOW_EXPECTED) == 7, done.stderr.decode()
    assert done.stdout.decode().splitlines() == [
        "holds at least 20 stations (20 msg/s) at p99(Heartbeat) < 100ms, error_rate < 1% "
        "(no step failed up to --max-stations); frames: plain (no permessage-deflate)"
    ]
    assert "step 1: 20 stations, " in done.stderr.decode() and " PASS\n" in done.stderr.decode()
    result = json.loads(out.read_text())
    assert result["capacity_stations"] == 20 and result["finding"] == "at_least"
    assert (result["frames"], result["deflate"]) == ("frames: plain (no permessage-deflate)", 0.0)
    assert [step["verdict"] for step in result["steps"]] == ["good"]
    assert '"values":[20]' in report.read_text().replace(" ", "")


async def test_expect_met_exits_0() -> None:
    done = await _fleet(*ONE_STEP, "--expect", "20")
    assert done.returncode == ExitCode.OK, done.stderr.decode()


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (
            ["--step", "x1"],
            "argument --step: expected a factor above 1 like x2 or an increment like +100, got 'x1'",
        ),
        (["--precision", "0%"], "argument --precision: expected a share like 5% or a number of stations"),
        (
            ["--forecast", "/nonexistent/forecast.json"],
            "--forecast /nonexistent/forecast.json: cannot read it",
        ),
        (["--start-stations", "30"], "--max-stations 20 is below --start-stations 30"),
        (["--stages", "10s:5"], "--stages is not for `fleet capacity` (each step is a run)"),
    ],
)
async def test_bad_input_is_one_line_and_exit_2(extra: list[str], says: str) -> None:
    done = await _fleet(*ONE_STEP, *extra)
    assert done.returncode == ExitCode.BAD_INPUT
    lines = [line for line in done.stderr.decode().splitlines() if "error" in line]
    assert len(lines) == 1 and says in lines[0], done.stderr.decode()


async def test_no_slo_is_refused() -> None:
    done = await _fleet("capacity", "--start-stations", "5")
    assert done.returncode == ExitCode.BAD_INPUT
    assert done.stderr.decode().strip() == (
        "fleet capacity: error: give at least one --slo threshold: a capacity is the load that meets them"
    )


async def test_an_unreachable_csms_exits_1_naming_why() -> None:
    done = await _fleet(
        "capacity", "--slo", "p99(Heartbeat) < 100ms", "--csms", "ws://127.0.0.1:9/ocpp",
        "--start-stations", "2", "--connect-timeout", "2s", "--drain-timeout", "0",
    )  # fmt: skip
    assert done.returncode == ExitCode.FAILED, done.stderr.decode()
    assert done.stdout.decode().startswith("holds fewer than 2 stations: even that breaks: ")
