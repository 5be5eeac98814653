"""`fleet capacity --vary rate`: the same stations, busier (the arrival rate times a multiplier),
stepped and bisected like stations, answered in multipliers."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import trio

from fleet.capacity import (
    CapacityPlan,
    LoadAxis,
    StepResult,
    capacity_answer,
    parse_precision,
    search_capacity,
)
from fleet.cli._exit_codes import ExitCode

FLEET = [sys.executable, "-m", "fleet"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("FLEET_")}


async def test_the_search_bisects_the_multiplier_and_answers_in_multipliers() -> None:
    axis = LoadAxis("rate", stations=500)
    ran: list[tuple[int, float]] = []

    async def breaks_above_x3(level: int) -> StepResult:
        stations, multiplier = axis.stations_at(level), axis.multiplier_at(level)
        ran.append((stations, multiplier))
        good = multiplier <= 3.0
        return StepResult(
            stations=stations,
            verdict="good" if good else "bad",
            messages_per_s=100.0 * multiplier,
            slo=[{"slo": "p99(Heartbeat) < 100ms", "passed": good, "detail": "measured"}],
            rate_multiplier=multiplier,
        )

    plan = CapacityPlan(
        start_stations=axis.level_of_multiplier(1),
        max_stations=axis.level_of_multiplier(16),
        precision=parse_precision("5%"),
    )
    outcome = await search_capacity(plan, breaks_above_x3)
    assert {stations for stations, _ in ran} == {500}  # the fleet never changes
    assert [multiplier for _, multiplier in ran][:3] == [1.0, 2.0, 4.0]
    assert outcome.good is not None and outcome.bad is not None
    good, bad = outcome.good.rate_multiplier, outcome.bad.rate_multiplier
    assert 2.85 <= good <= 3.0 < bad and bad - good <= 0.05 * good + 0.01
    answer = capacity_answer(outcome, ["p99(Heartbeat) < 100ms"], "workplace stations", axis)
    assert answer.line.startswith(f"holds 500 workplace stations at x{good:g} arrival rate (")
    assert f"; breaks at x{bad:g}: p99(Heartbeat) < 100ms failed" in answer.line
    result = answer.to_dict(["p99(Heartbeat) < 100ms"])
    assert (result["vary"], result["breaks_at"], result["capacity_rate_multiplier"]) == ("rate", bad, good)
    assert [step["load"] for step in result["steps"]][:3] == [1.0, 2.0, 4.0]


async def test_vary_rate_runs_the_same_fleet_busier_each_step(tmp_path: Path) -> None:
    out, report = tmp_path / "capacity.json", tmp_path / "capacity.html"
    args = [
        "capacity", "--vary", "rate",
        "--stations", "20", "--start-rate", "1", "--max-rate", "4",
        "--slo", "error_rate < 1%",
        "--hold", "6s", "--warmup", "1s", "--ramp", "1000",
        "--idle-mean", "40s", "--charge-mean", "5s", "--csms-heartbeat-interval", "3600",
        "--drain-timeout", "0", "--seed", "5",
        "--out", str(out), "--report", str(report),
    ]  # fmt: skip
    with trio.fail_after(90):
        done = await trio.run_process(
            [*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False, env=CLEAN_ENV
        )
    said = done.stderr.decode()
    assert done.returncode == ExitCode.OK, said
    assert (
        "step 2: 20 stations at x2 arrival rate, " in said
        and "step 3: 20 stations at x4 arrival rate, " in said
    )
    assert done.stdout.decode().startswith("holds at least 20 stations at x4 arrival rate (")
    result = json.loads(out.read_text())
    steps = result["steps"]
    assert [(step["stations"], step["rate_multiplier"], step["load"]) for step in steps] == [
        (20, 1.0, 1.0),
        (20, 2.0, 2.0),
        (20, 4.0, 4.0),
    ]
    # busier stations send more: each step's messages grow with its multiplier
    rates = [step["messages_per_s"] for step in steps]
    assert rates[0] < rates[1] < rates[2], rates
    page = report.read_text()
    assert "x axis: arrival rate x;" in page and "<th>arrival rate</th>" in page


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (
            ["--rate-multiplier", "2"],
            "--vary rate sets the arrival-rate multiplier per step: drop --rate-multiplier",
        ),
        (["--step", "+2"], "--vary rate steps a multiplier: give --step as a factor (x2)"),
        (["--start-rate", "8", "--max-rate", "4"], "--max-rate 4 is below --start-rate 8"),
        (["--start-rate", "0"], "argument --start-rate: expected a multiplier from 0.01 up"),
    ],
)
async def test_bad_vary_rate_options_are_one_line_and_exit_2(extra: list[str], says: str) -> None:
    args = ["capacity", "--vary", "rate", "--stations", "20", "--slo", "error_rate < 1%", *extra]
    with trio.fail_after(60):
        done = await trio.run_process(
            [*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False, env=CLEAN_ENV
        )
    assert done.returncode == ExitCode.BAD_INPUT
    assert says in done.stderr.decode().strip().splitlines()[-1]
