"""`fleet run --stages` and `--rate-multiplier` on the command line and in a --config file (issue
19, item 1): a bad spec or a conflicting --stations/--duration is one clear line and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from fleet.behaviour import load_profile, resolve_profile
from fleet.cli._exit_codes import ExitCode
from fleet.cli._main import _parse
from fleet.cli._run import job_from_arguments
from fleet.engine import Stage

FLEET = [sys.executable, "-m", "fleet"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("FLEET_")}


@pytest.fixture(autouse=True)
def _no_fleet_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FLEET_"):
            monkeypatch.delenv(key)


async def _fleet(*args: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process(
            [*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False, env=CLEAN_ENV
        )


def _error_line(done: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line for line in done.stderr.decode().splitlines() if "error" in line]
    assert len(lines) == 1, done.stderr.decode()
    return lines[0]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("30s:abc", "'30s:abc': expected DURATION:STATIONS or DURATION:STATIONSxF, e.g. 5m:1000"),
        ("abc:10", "'abc:10': expected DURATION:STATIONS or DURATION:STATIONSxF, e.g. 5m:1000"),
        ("30s", "'30s': expected DURATION:STATIONS or DURATION:STATIONSxF, e.g. 5m:1000"),
        ("30s:0", "the stages need a station and a duration"),
        ("10m:1000,10m:1000x0", "'10m:1000x0': the rate multiplier after x must be a number greater than 0"),
        ("10m:1000x", "'10m:1000x': the rate multiplier after x must be a number greater than 0"),
        ("10m:1000xinf", "'10m:1000xinf': the rate multiplier after x must be a number greater than 0"),
    ],
)
async def test_a_bad_stages_spec_is_one_line_naming_it(spec: str, says: str) -> None:
    done = await _fleet("run", "--stages", spec)
    assert done.returncode == ExitCode.BAD_INPUT
    line = _error_line(done)
    assert "--stages" in line and says in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--stations", "7"], "--stations 7 conflicts with --stages (peak 5): drop --stations"),
        (["--duration", "1m"], "--duration 60s conflicts with --stages (total 20s): drop --duration"),
    ],
)
async def test_stations_or_duration_that_contradict_the_stages_are_refused(
    args: list[str], says: str
) -> None:
    done = await _fleet("run", "--stages", "10s:5,10s:2", *args)
    assert done.returncode == ExitCode.BAD_INPUT
    assert _error_line(done) == f"fleet run: error: {says}"


async def test_stage_multipliers_with_a_rate_multiplier_are_refused() -> None:
    done = await _fleet("run", "--stages", "10s:5,10s:5x2", "--rate-multiplier", "3")
    assert done.returncode == ExitCode.BAD_INPUT
    assert _error_line(done) == (
        "fleet run: error: --rate-multiplier 3 conflicts with the xF multipliers of --stages: "
        "drop --rate-multiplier or put its factor in the stages"
    )


def test_stage_multipliers_are_carried_to_the_next_stages_and_leave_the_idle_time() -> None:
    job = job_from_arguments(
        _parse(["run", "--stages", "10s:5,20s:8x2,5s:8,5s:3x0.5", "--rate-multiplier", "1"])
    )
    assert job.fleet.stages == (
        Stage(10.0, 5, 1.0),
        Stage(20.0, 8, 2.0),
        Stage(5.0, 8, 2.0),
        Stage(5.0, 3, 0.5),
    )
    assert job.driver.mean_idle_s == 10.0  # the stages' schedule speeds the idle time up, not this
    assert [stage.to_dict() for stage in job.fleet.stages[:2]] == [
        {"duration_s": 10.0, "stations": 5, "rate_multiplier": 1.0},
        {"duration_s": 20.0, "stations": 8, "rate_multiplier": 2.0},
    ]
    assert Stage(10.0, 5).to_dict() == {"duration_s": 10.0, "stations": 5}  # no xF anywhere: as before
    with pytest.raises(ValueError, match="--load-plan replays fixed visits: drop one"):
        job_from_arguments(_parse(["run", "--stages", "10s:5x2", "--load-plan", "plan.json"]))


async def test_a_bad_rate_multiplier_is_refused() -> None:
    done = await _fleet("run", "--rate-multiplier", "x0")
    assert done.returncode == ExitCode.BAD_INPUT
    assert "--rate-multiplier" in _error_line(done) and "'x0'" in _error_line(done)


def test_the_stages_set_stations_and_duration_and_the_multiplier_the_idle_time() -> None:
    job = job_from_arguments(_parse(["run", "--stages", "10s:5,20s:8,5s:3", "--rate-multiplier", "x2"]))
    assert job.fleet.stages == (Stage(10.0, 5), Stage(20.0, 8), Stage(5.0, 3))
    assert (job.fleet.stations, job.fleet.duration_s) == (8, 35.0)
    assert job.driver.mean_idle_s == 5.0  # the default 10s, twice as busy
    # the same values given on purpose are no conflict
    agreed = job_from_arguments(_parse(["run", "--stages", "10s:5", "--stations", "5", "--duration", "10s"]))
    assert (agreed.fleet.stations, agreed.fleet.duration_s) == (5, 10.0)


def test_stages_and_multiplier_in_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "steps.toml"
    config.write_text('stages = "1m:100,2m:100,1m:300"\nrate_multiplier = "x4"\nprofile = "workplace"\n')
    job = job_from_arguments(_parse(["run", "--config", str(config)]))
    assert (job.fleet.stations, job.fleet.duration_s) == (300, 240.0)
    assert job.profile is not None and job.profile.arrivals is not None
    assert job.profile.arrivals.weekday[8] == pytest.approx(4 * _workplace_weekday_8am())


def _workplace_weekday_8am() -> float:
    arrivals = load_profile(resolve_profile("workplace")).arrivals
    assert arrivals is not None
    return arrivals.weekday[8]


async def test_a_staged_run_records_its_stages(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = await _fleet(
        "run", "--stages", "1s:3,1s:1x2.5", "--drain-timeout", "500ms", "--idle-mean", "1m",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    assert "3 stations -> the embedded CSMS, 2 s" in done.stderr.decode()
    summary = json.loads(out.read_text())
    assert summary["stages"] == [
        {"duration_s": 1.0, "stations": 3, "rate_multiplier": 1.0},
        {"duration_s": 1.0, "stations": 1, "rate_multiplier": 2.5},
    ]
    assert summary["stations"]["connected_peak"] == 3
