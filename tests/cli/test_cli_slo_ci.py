"""`fleet run --slo` for CI (issue 18, findings 2 and 5), as subprocesses: typos refused before the
run (exit 2, one line), --abort-on-fail ends a lost run early (exit 3, every file still written),
--junit and --csv."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import trio

from fleet.cli._exit_codes import ExitCode

FLEET = [sys.executable, "-m", "fleet", "run", "--stations", "4", "--ramp", "50", "--seed", "3"]


async def _fleet(*args: str, seconds: float = 60) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(seconds):
        return await trio.run_process([*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False)


def _error_lines(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in done.stderr.decode().splitlines() if "error" in line]


@pytest.mark.parametrize(
    ("slo", "message"),
    [
        ("p99(Heartbeet) < 1s", "unknown action 'Heartbeet'; did you mean 'Heartbeat'?"),
        ("erors == 0", "unknown metric 'erors'; did you mean 'errors'?"),
    ],
)
async def test_a_typo_is_refused_before_the_run_in_one_line(slo: str, message: str) -> None:
    done = await _fleet("--duration", "30", "--slo", slo, seconds=30)
    assert done.returncode == ExitCode.BAD_INPUT
    [line] = _error_lines(done)
    assert line.endswith(message) and "--slo" in line
    assert b"stations ->" not in done.stderr  # the run never started


async def test_abort_on_fail_needs_an_slo_and_outputs_are_checked_first(tmp_path: Path) -> None:
    done = await _fleet("--abort-on-fail", seconds=30)
    assert done.returncode == ExitCode.BAD_INPUT
    assert _error_lines(done) == ["fleet run: error: --abort-on-fail needs at least one --slo threshold"]
    missing = tmp_path / "nowhere" / "slo.xml"
    done = await _fleet("--junit", str(missing), seconds=30)
    assert done.returncode == ExitCode.BAD_INPUT
    assert _error_lines(done) == [
        f"fleet run: error: --junit {missing}: directory {missing.parent} does not exist"
    ]
    done = await _fleet("--csv", str(missing.parent / "r"), seconds=30)
    assert _error_lines(done)[0].startswith(f"fleet run: error: --csv {missing.parent / 'r'}_stats.csv: ")


def _check_csv_files(prefix: Path) -> None:
    with open(f"{prefix}_stats.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows[-1]["Name"] == "Aggregated" and int(rows[-1]["Request Count"]) > 0
    assert Path(f"{prefix}_stats_history.csv").exists() and Path(f"{prefix}_failures.csv").exists()


@pytest.mark.parametrize("workers", ["1", "2"])
async def test_a_lost_threshold_ends_the_run_early_with_exit_3(tmp_path: Path, workers: str) -> None:
    out, junit, prefix = tmp_path / "r.json", tmp_path / "slo.xml", tmp_path / "r"
    done = await _fleet(
        "--duration",
        "5m",
        "--workers",
        workers,
        "--slo",
        "max < 1us",  # lost with the first answer
        "--slo",
        "p(95)<5000",
        "--abort-on-fail",
        "--out",
        str(out),
        "--junit",
        str(junit),
        "--csv",
        str(prefix),
        seconds=90,
    )
    assert done.returncode == ExitCode.SLO_VIOLATED, done.stderr.decode()
    summary = json.loads(out.read_text())
    assert summary["aborted"]["slo"] == "max < 1us" and summary["aborted"]["at_s"] < 30
    assert summary["duration_s"] < 60
    stdout = done.stdout.decode()
    assert "run aborted after" in stdout and "SLO 'max < 1us' lost" in stdout
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["tool"] == "ocpp-fleet" and str(properties["aborted"]).startswith(
        "max < 1us lost after"
    )
    _check_csv_files(prefix)


async def test_junit_without_slos_has_zero_tests_and_k6_spellings_pass(tmp_path: Path) -> None:
    junit, plain = tmp_path / "k6.xml", tmp_path / "none.xml"
    done = await _fleet(
        "--duration", "2", "--slo", "p(99)<5000", "--slo", "failed: rate<1%", "--junit", str(junit)
    )
    assert done.returncode == ExitCode.OK, done.stdout.decode() + done.stderr.decode()
    names = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase")]
    assert names == ["p(99)<5000", "failed: rate<1%"]
    done = await _fleet("--duration", "1", "--junit", str(plain))
    assert done.returncode == ExitCode.OK
    assert ET.parse(plain).getroot().get("tests") == "0"


async def test_a_statistical_threshold_aborts_only_after_the_delay(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = await _fleet(
        "--duration",
        "5m",
        "--slo",
        "p(99)<0.001",
        "--abort-on-fail",
        "--abort-delay",
        "2s",
        "--out",
        str(out),
    )
    assert done.returncode == ExitCode.SLO_VIOLATED, done.stderr.decode()
    aborted = json.loads(out.read_text())["aborted"]
    assert aborted["slo"] == "p(99)<0.001" and 2.0 <= aborted["at_s"] < 30


async def test_a_run_that_could_not_happen_is_an_error_in_junit(tmp_path: Path) -> None:
    """Before: with the CSMS unreachable no JUnit file was written, and CI saw no failed test."""
    with socket.socket() as closed:  # a loopback port nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"ws://127.0.0.1:{closed.getsockname()[1]}"
    junit = tmp_path / "slo.xml"
    done = await _fleet("--csms", url, "--duration", "5", "--slo", "errors == 0", "--junit", str(junit))
    assert done.returncode == ExitCode.FAILED, done.stderr.decode()
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("2", "1", "1")
    cases = {case.get("name"): case for case in root.iter("testcase")}
    error = cases["the run"].find("error")
    assert error is not None and "cannot reach the CSMS" in (error.get("message") or "")
    failure = cases["errors == 0"].find("failure")
    assert failure is not None and "not measured: cannot reach the CSMS" in (failure.text or "")
