"""The console's options as a user meets them: `fleet csms --console-port` with the password
from FLEET_CONSOLE_PASSWORD (the URL line, the login, a live SSE event, Ctrl-C), and the
one-line refusals with exit 2 (no password, --csms URL, --workers, a taken port)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

TIMEOUT_S = 30.0


def fleet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "FLEET_CONSOLE_PASSWORD"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "fleet", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=environ,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("csms", "--port", "0", "--console-port", "0"),
            "fleet csms: error: --console-port needs an administrator password: --console-password TEXT or "
            "FLEET_CONSOLE_PASSWORD",
        ),
        (
            ("run", "--stations", "1", "--duration", "1", "--console-port", "0"),
            "fleet run: error: --console-port needs an administrator password: --console-password TEXT or "
            "FLEET_CONSOLE_PASSWORD",
        ),
        (
            ("run", "--csms", "ws://127.0.0.1:9/", "--console-port", "0", "--console-password", "pw"),
            "fleet run: error: --console-port serves the embedded CSMS's console; drop --csms URL",
        ),
        (
            ("csms", "--workers", "2", "--console-port", "0", "--console-password", "pw"),
            "fleet csms: error: --console-port needs --workers 1 (one process sees every station)",
        ),
        (
            ("csms", "--console-host", "0.0.0.0"),
            "fleet csms: error: --console-host needs --console-port PORT",
        ),
    ],
)
def test_refusals_are_one_line_and_exit_2(args: tuple[str, ...], line: str) -> None:
    completed = fleet(*args)
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.strip().splitlines()[-1] == line


def test_a_taken_console_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = fleet(
            "run",
            "--stations",
            "1",
            "--duration",
            "1",
            "--console-port",
            str(port),
            env={"FLEET_CONSOLE_PASSWORD": "pw"},
        )
        csms = fleet("csms", "--port", "0", "--console-port", str(port), env={"FLEET_CONSOLE_PASSWORD": "pw"})
    assert run.returncode == 2 and csms.returncode == 2
    assert (
        run.stderr.strip()
        .splitlines()[-1]
        .startswith(f"fleet: error: --console-port: cannot listen on 127.0.0.1:{port}: ")
    )
    assert (
        csms.stderr.strip()
        .splitlines()[-1]
        .startswith(f"fleet csms: error: --console-port: cannot listen on 127.0.0.1:{port}: ")
    )


def _console_url(process: subprocess.Popen[str]) -> str:
    """The URL from the console's line on stderr (read line by line, bounded)."""
    assert process.stderr is not None
    deadline = time.monotonic() + TIMEOUT_S
    for _ in range(100):
        line = process.stderr.readline()
        if line.startswith("CSMS console on "):
            return line.split()[3]
        assert line and time.monotonic() < deadline, "no console URL line"
    raise AssertionError("no console URL line in the first 100 lines")


def _first_event(client: httpx.Client, path: str) -> dict[str, Any]:
    with client.stream("GET", path, timeout=TIMEOUT_S) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                return dict(json.loads(line[6:]))
    raise AssertionError("the stream ended without an event")


def test_fleet_csms_serves_the_console_with_the_password_from_the_environment() -> None:
    environ = os.environ | {"FLEET_CONSOLE_PASSWORD": "from-env"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fleet", "csms", "--port", "0", "--console-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        url = _console_url(process)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        with httpx.Client(base_url=url, timeout=TIMEOUT_S) as client:
            assert client.get("/").status_code == 302
            assert client.post("/login", data={"password": "wrong"}).status_code == 401
            assert client.post("/login", data={"password": "from-env"}).status_code == 303
            assert client.get("/").status_code == 200
            event = _first_event(client, "/api/events/fleet")
        assert event["fleet"]["stations"] == 0 and event["sample"]["connected"] == 0
    finally:
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=TIMEOUT_S)
    assert process.returncode == 0
    assert isinstance(
        json.loads(stdout[stdout.index("{") :]), dict
    )  # the ledger summary, as without a console
