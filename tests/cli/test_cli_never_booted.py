"""`fleet run` against a CSMS that accepts the WebSocket and never answers (issue 17, finding 4):
the summary's errors line names what went wrong and the run exits 5 (ExitCode.NOT_BOOTED), not 0."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import trio

from fleet.cli._exit_codes import ExitCode
from support.silent_csms import serve_silent_csms

FLEET = [sys.executable, "-m", "fleet"]


async def test_a_run_whose_stations_never_booted_exits_5_and_says_why(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    url = await serve_silent_csms(nursery)
    out = tmp_path / "r.json"
    command = [
        "run",
        "--csms",
        url,
        "--stations",
        "5",
        "--ramp",
        "50",
        "--duration",
        "2",
        "--drain-timeout",
        "0",
    ]
    with trio.fail_after(60):
        done = await trio.run_process(
            [*FLEET, *command, "--out", str(out)], capture_stdout=True, capture_stderr=True, check=False
        )

    assert done.returncode == ExitCode.NOT_BOOTED, done.stderr.decode()
    result = json.loads(out.read_text())
    unanswered = result["drain"]["left_unsent"]
    assert result["stations"]["booted"] == 0 and unanswered >= 5  # at least each station's boot
    (line,) = [line for line in done.stdout.decode().splitlines() if line.startswith("errors:")]
    assert line == f"errors: {unanswered} CALLs never sent or never answered; 5 of 5 stations never booted"


async def test_a_csms_that_rejects_every_boot_exits_5() -> None:
    command = ["run", "--stations", "3", "--duration", "3", "--csms-boot-status", "Rejected"]
    with trio.fail_after(60):
        done = await trio.run_process(
            [*FLEET, *command], capture_stdout=True, capture_stderr=True, check=False
        )

    assert done.returncode == ExitCode.NOT_BOOTED, done.stderr.decode()
    assert "errors: 3 of 3 stations never booted" in done.stdout.decode().splitlines()
