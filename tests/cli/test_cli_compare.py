"""`fleet compare` as CI runs it (issue 18 finding 4): tolerances as percentages, refusal of runs
that differ, --json and --markdown; a real process each, exit code and one-line stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import trio

FLEET = [sys.executable, "-m", "fleet"]


def _result(p99: float, stations: int = 3, duration_s: float = 10.004, **extra: Any) -> dict[str, Any]:
    """An older results file (no "run" key), from the embedded CSMS."""
    return {
        "ocpp_version": "2.0.1",
        "duration_s": duration_s,
        "stations": {"configured": stations},
        "messages_sent": 100,
        "actions": {"Heartbeat": {"ok": 10, "errors": 0, "latency_ms": {"p50": 5.0, "p99": p99}}},
        "transactions": {"started": 4},
        "profile": None,
        "speed": 1.0,
        "csms_url": "ws://127.0.0.1:40001",
        "csms": {},
        "stations_by_ocpp_version": {"1.6": 0, "2.0.1": stations},
        "interrupted": False,
        **extra,
    }


def _files(tmp_path: Path, base: dict[str, Any], new: dict[str, Any]) -> list[str]:
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "new.json").write_text(json.dumps(new))
    return [str(tmp_path / "base.json"), str(tmp_path / "new.json")]


async def _compare(*args: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process(
            [*FLEET, "compare", *args], capture_stdout=True, capture_stderr=True, check=False
        )


def _error_lines(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in done.stderr.decode().splitlines() if "error" in line]


async def test_a_bare_number_tolerance_is_refused(tmp_path: Path) -> None:
    """Before: --tolerance 10 was taken as 1000 %, so nothing was ever a regression."""
    done = await _compare(*_files(tmp_path, _result(9.0), _result(40.0)), "--tolerance", "10")
    assert done.returncode == 2
    (line,) = _error_lines(done)
    assert "argument --tolerance: '10': write the tolerance as a percentage, e.g. 10%" in line


async def test_percent_and_per_figure_tolerances(tmp_path: Path) -> None:
    files = _files(tmp_path, _result(9.0), _result(12.0))  # +33 %
    assert (await _compare(*files, "--tolerance", "10%")).returncode == 1
    assert (await _compare(*files, "--tolerance", "p99=50%")).returncode == 0
    loose = await _compare(*files, "--tolerance", "p99=50%", "--tolerance", "Heartbeat_p99=20%")
    assert loose.returncode == 1
    assert "Heartbeat p99" in loose.stdout.decode() and "20%  REGRESSION" in loose.stdout.decode()


async def test_an_unknown_figure_is_refused_with_the_closest_name(tmp_path: Path) -> None:
    done = await _compare(*_files(tmp_path, _result(9.0), _result(9.0)), "--tolerance", "Hearbeat p99=5%")
    assert done.returncode == 2
    (line,) = _error_lines(done)
    assert "no figure called 'Hearbeat p99'; did you mean 'Heartbeat p99'?" in line


async def test_runs_that_differ_are_refused_naming_each_difference(tmp_path: Path) -> None:
    """Before: 3 stations for 10 s against 6 stations for 60 s compared without a word."""
    files = _files(tmp_path, _result(9.0), _result(40.0, stations=6, duration_s=60.0, interrupted=True))
    done = await _compare(*files)
    assert done.returncode == 2
    (line,) = _error_lines(done)
    assert line.startswith(
        "fleet compare: error: the runs differ: stations: 3 vs 6; duration: 10.004 s vs 60 s"
    )
    assert "interrupted: no vs yes" in line and "--allow-different" in line
    assert done.stdout == b""

    allowed = await _compare(*files, "--allow-different")
    assert allowed.returncode == 1  # compared: the p99 regressed
    assert "fleet compare: warning: the runs differ: stations: 3 vs 6" in allowed.stderr.decode()
    assert "Heartbeat p99" in allowed.stdout.decode()


async def test_measurement_noise_in_the_duration_does_not_refuse(tmp_path: Path) -> None:
    done = await _compare(
        *_files(tmp_path, _result(9.0), _result(9.0, duration_s=10.012, csms_url="ws://127.0.0.1:5"))
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    assert done.stdout.decode().splitlines()[-1] == "no regressions"


async def test_json_to_stdout_and_markdown_to_a_file(tmp_path: Path) -> None:
    markdown = tmp_path / "comment.md"
    done = await _compare(
        *_files(tmp_path, _result(9.0), _result(40.0)), "--json", "-", "--markdown", str(markdown)
    )
    assert done.returncode == 1
    data = json.loads(done.stdout)  # stdout holds the JSON alone; the table went to stderr
    assert (data["verdict"], data["comparable"], data["regressions"]) == ("regression", True, 1)
    assert {figure["name"] for figure in data["figures"]} >= {"Heartbeat p99", "throughput"}
    assert "REGRESSION" in done.stderr.decode()
    assert markdown.read_text().startswith(
        "**fleet compare: 1 regression: Heartbeat p99 +344 % (9 -> 40 ms)**"
    )


async def test_a_refused_comparison_still_writes_its_verdict(tmp_path: Path) -> None:
    out = tmp_path / "cmp.json"
    done = await _compare(*_files(tmp_path, _result(9.0), _result(9.0, stations=4)), "--json", str(out))
    assert done.returncode == 2
    data = json.loads(out.read_text())
    assert (data["verdict"], data["differences"]) == (
        "incomparable",
        [{"what": "stations", "base": "3", "new": "4"}],
    )


async def test_both_outputs_on_stdout_and_an_unwritable_output_are_refused(tmp_path: Path) -> None:
    files = _files(tmp_path, _result(9.0), _result(9.0))
    both = await _compare(*files, "--json", "-", "--markdown", "-")
    assert both.returncode == 2 and "both want stdout" in _error_lines(both)[0]
    missing_dir = await _compare(*files, "--markdown", str(tmp_path / "no" / "x.md"))
    assert missing_dir.returncode == 2
    (line,) = _error_lines(missing_dir)
    assert "--markdown" in line and "does not exist" in line
