"""`fleet` as a user runs it: a real process, real time, short and bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import trio

FLEET = [sys.executable, "-m", "fleet"]


async def test_fleet_run_prints_the_summary_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with trio.fail_after(60):
        done = await trio.run_process(
            [*FLEET, "run", "--stations", "5", "--duration", "4", "--ramp", "50", "--out", str(out)],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
    stdout = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert "BootNotification" in stdout and "p99" in stdout
    result = json.loads(out.read_text())
    assert result["ocpp_version"] == "2.0.1"
    assert result["stations"]["configured"] == 5
    assert result["actions"]["BootNotification"]["ok"] == 5


async def test_unreachable_csms_exits_1_with_one_line(unused_port: int) -> None:
    url = f"ws://127.0.0.1:{unused_port}/ocpp"
    with trio.fail_after(60):
        done = await trio.run_process(
            [*FLEET, "run", "--csms", url, "--stations", "3"], capture_stderr=True, check=False
        )
    assert done.returncode == 1
    error_lines = [line for line in done.stderr.decode().splitlines() if "error" in line]
    assert len(error_lines) == 1
    assert "connection refused" in error_lines[0] and url in error_lines[0]


async def test_ctrl_c_stops_cleanly_and_keeps_the_results(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    process = await trio.lowlevel.open_process(
        [*FLEET, "run", "--stations", "5", "--duration", "120", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None and process.stdout is not None
    try:
        with trio.fail_after(30):
            seen = b""
            # the non-tty progress line appears at 5 s: by then every station has booted
            while b"connected" not in seen:
                chunk = await process.stderr.receive_some()
                assert chunk, f"fleet exited early: {seen.decode()}"
                seen += chunk
        process.send_signal(signal.SIGINT)
        with trio.fail_after(30):
            stdout = b""
            while chunk := await process.stdout.receive_some():
                stdout += chunk
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert b"BootNotification" in stdout
    result = json.loads(out.read_text())
    assert result["interrupted"] is True
    assert result["duration_s"] < 120
    assert result["actions"]["BootNotification"]["ok"] == 5
