"""`fleet run --baseline FILE` (issue 18 finding 5): the stored result checked before the run,
the comparison printed after it, one exit code: 3 (SLO) before 6 (regression) before 0."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trio

from fleet.cli._baseline import baseline_verdict
from fleet.cli._exit_codes import ExitCode
from fleet.metrics import parse_tolerance

FLEET = [sys.executable, "-m", "fleet"]
# 20 stations: 20 BootNotifications, enough calls for a p50 to be judged (fleet compare: 20)
RUN = [*FLEET, "run", "--stations", "20", "--duration", "2", "--ramp", "50", "--seed", "7"]


async def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process([*RUN, *args], capture_stdout=True, capture_stderr=True, check=False)


def _with_latency(result: dict[str, Any], milliseconds: float) -> dict[str, Any]:
    """``result`` as if every call had taken ``milliseconds`` (a doctored baseline)."""
    doctored: dict[str, Any] = json.loads(json.dumps(result))
    for action in doctored["actions"].values():
        action["latency_ms"].update(p50=milliseconds, p99=milliseconds)
    return doctored


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real short run's results (the same fleet every test here runs)."""
    out = tmp_path_factory.mktemp("baseline") / "base.json"
    done = subprocess.run([*RUN, "--out", str(out)], capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    result: dict[str, Any] = json.loads(out.read_text())
    return result


async def test_no_regression_against_the_baseline_exits_0(tmp_path: Path, stored: dict[str, Any]) -> None:
    # a baseline from a slower CSMS: a loopback run's own p99 (a handful of calls) is too noisy
    # to be its own baseline in a test
    base = tmp_path / "base.json"
    base.write_text(json.dumps(_with_latency(stored, 500.0)))
    done = await _run("--baseline", str(base))
    stdout = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert f"base: {base}" in stdout and "BootNotification p99" in stdout
    assert stdout.splitlines()[-1] == "no regressions"


async def test_a_regression_against_the_baseline_exits_6(tmp_path: Path, stored: dict[str, Any]) -> None:
    base = tmp_path / "fast.json"
    base.write_text(json.dumps(_with_latency(stored, 1.0)))  # far lower p99 than 50 ms answers
    done = await _run("--baseline", str(base), "--csms-response-delay", "50ms")
    stdout = done.stdout.decode()
    assert done.returncode == 6, done.stderr.decode()
    assert "BootNotification p99" in stdout and "REGRESSION" in stdout
    assert "regressions: BootNotification p50" in stdout.splitlines()[-1]


async def test_a_baseline_of_another_fleet_is_refused_before_the_run(
    tmp_path: Path, stored: dict[str, Any]
) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(stored))
    done = await _run("--baseline", str(base), "--stations", "4", "--duration", "3")
    assert done.returncode == 2
    stderr = done.stderr.decode()
    assert stderr.splitlines() == [
        f"fleet run: error: --baseline {base}: the runs differ: stations: 20 vs 4; duration: 2 s vs 3 s "
        "(--allow-different compares them anyway)"
    ]
    allowed = await _run(
        "--baseline", str(base), "--stations", "4", "--allow-different", "--baseline-tolerance", "1000000%"
    )
    assert allowed.returncode == 0, allowed.stderr.decode()
    assert (
        f"fleet run: warning: --baseline {base}: the runs differ: stations: 20 vs 4"
        in allowed.stderr.decode()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--baseline", "missing.json"],
            "fleet run: error: --baseline missing.json: cannot read: No such file",
        ),
        (["--baseline-tolerance", "5%"], "fleet run: error: --baseline-tolerance needs --baseline FILE"),
        (["--allow-different"], "fleet run: error: --allow-different needs --baseline FILE"),
        (
            ["--baseline-tolerance", "5"],
            "argument --baseline-tolerance: '5': write the tolerance as a percentage",
        ),
    ],
)
async def test_bad_baseline_options_are_refused_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    with trio.fail_after(60):
        done = await trio.run_process([*RUN, *args], capture_stderr=True, check=False, cwd=tmp_path)
    assert done.returncode == 2
    (line,) = [line for line in done.stderr.decode().splitlines() if "error" in line]
    assert message in line


async def test_an_unknown_figure_in_a_baseline_tolerance_is_refused(
    tmp_path: Path, stored: dict[str, Any]
) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(stored))
    done = await _run("--baseline", str(base), "--baseline-tolerance", "BootNotifcation p99=20%")
    assert done.returncode == 2
    assert "did you mean 'BootNotification p99'?" in done.stderr.decode()


def test_an_slo_failure_and_the_run_own_failures_come_before_a_regression(
    tmp_path: Path, stored: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(stored))
    slow = _with_latency(stored, 80.0)
    ns = argparse.Namespace(baseline=str(base), baseline_tolerance=[parse_tolerance("10%")])
    assert baseline_verdict(ns, slow, ExitCode.OK) == ExitCode.REGRESSION
    assert int(ExitCode.REGRESSION) == 6
    assert baseline_verdict(ns, slow, ExitCode.SLO_VIOLATED) == ExitCode.SLO_VIOLATED
    assert baseline_verdict(ns, slow, ExitCode.NOT_BOOTED) == ExitCode.NOT_BOOTED
    assert "REGRESSION" in capsys.readouterr().out
    assert baseline_verdict(ns, stored, ExitCode.OK) == ExitCode.OK
    assert capsys.readouterr().out.splitlines()[-1] == "no regressions"
    assert baseline_verdict(ns, {**stored, "interrupted": True}, ExitCode.OK) == ExitCode.OK
    assert (
        f"fleet run: warning: --baseline {base}: the runs differ: interrupted: no vs yes"
        in capsys.readouterr().err
    )
