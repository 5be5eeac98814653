"""`fleet csms` and `fleet run` end on SIGINT (Ctrl-C) and SIGTERM alike: summary printed, exit 0,
no traceback (issue 17, finding 8); refusals are logged on stderr. Real processes, bounded."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio

FLEET = [sys.executable, "-m", "fleet"]
TIMEOUT = 60.0


async def _read_until(stream: trio.abc.ReceiveStream, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        chunk = await stream.receive_some()
        assert chunk, f"fleet exited early: {seen.decode()}"
        seen += chunk
    return seen


async def _drain(stream: trio.abc.ReceiveStream) -> bytes:
    data = b""
    while chunk := await stream.receive_some():
        data += chunk
    return data


@asynccontextmanager
async def _fleet(args: list[str]) -> AsyncIterator[trio.Process]:
    """``fleet args`` as a process with piped output, killed if the test leaves it running."""
    process = await trio.lowlevel.open_process(
        [*FLEET, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _signalled(
    args: list[str], marker: bytes, sig: int, on_stdout: bool = True
) -> tuple[int, str, str, str]:
    """Start ``fleet args``, wait for ``marker``, send ``sig``; (exit code, first output, stdout, stderr)."""
    outputs: dict[str, bytes] = {}

    async def drain(name: str, stream: trio.abc.ReceiveStream) -> None:
        outputs[name] = await _drain(stream)

    async with _fleet(args) as process:
        assert process.stdout is not None and process.stderr is not None
        with trio.fail_after(TIMEOUT):
            first = await _read_until(process.stdout if on_stdout else process.stderr, marker)
        process.send_signal(sig)
        with trio.fail_after(TIMEOUT):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(drain, "out", process.stdout)
                nursery.start_soon(drain, "err", process.stderr)
            await process.wait()
    assert process.returncode is not None
    return process.returncode, first.decode(), outputs["out"].decode(), outputs["err"].decode()


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_fleet_csms_ends_on_a_signal_with_its_summary_and_exit_0(sig: int, workers: str) -> None:
    code, first, stdout, stderr = await _signalled(
        ["csms", "--port", "0", "--workers", workers], b"<station-id>", sig
    )
    assert code == 0, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    summary = json.loads((first + stdout)[(first + stdout).index("{") :])
    assert summary["transactions_seen"] == 0


async def test_fleet_csms_logs_a_refused_upgrade_on_stderr() -> None:
    async with _fleet(["csms", "--port", "0"]) as process:
        assert process.stdout is not None and process.stderr is not None
        with trio.fail_after(TIMEOUT):
            first = (await _read_until(process.stdout, b"<station-id>")).decode()
            port = int(re.search(r":(\d+)/<station-id>", first).group(1))  # type: ignore[union-attr]
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            await stream.send_all(
                b"GET /CS%00 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            answer = await _read_until(stream, b"\r\n")
            seen = await _read_until(process.stderr, b"refused the upgrade")
        process.send_signal(signal.SIGTERM)
        with trio.fail_after(TIMEOUT):
            await process.wait()
    assert answer.startswith(b"HTTP/1.1 400")
    expected = "fleet csms: refused the upgrade from 127.0.0.1: station id 'CS%00' has characters"
    assert expected in seen.decode()
    assert process.returncode == 0


async def test_fleet_csms_on_a_busy_port_says_so_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with trio.fail_after(TIMEOUT):
            done = await trio.run_process(
                [*FLEET, "csms", "--port", str(port)], capture_stdout=True, capture_stderr=True, check=False
            )
    assert done.returncode == 1
    assert (
        done.stderr.decode().strip()
        == f"fleet csms: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


async def test_fleet_run_ends_on_sigterm_like_on_ctrl_c() -> None:
    code, _, stdout, stderr = await _signalled(
        ["run", "--stations", "3", "--duration", "120"], b"connected", signal.SIGTERM, on_stdout=False
    )
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert "BootNotification" in stdout
