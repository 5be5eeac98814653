"""`fleet chaos` and `fleet run --fault/--csms-fault` as a user meets them: bad items are refused at
start in one line naming them (exit 2); the proxy starts, relays and ends on SIGINT (exit 0)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from fleet.chaos import parse_duration, parse_proxy_faults, parse_window


def _fleet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fleet", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("text", "seconds"), [("250ms", 0.25), ("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), ("2.5", 2.5)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "--latency") == seconds


def test_windows_and_items() -> None:
    assert parse_window("60s+20s", "--outage") == (60.0, 20.0)
    faults = parse_proxy_faults(["latency=50ms,jitter=20ms", "outage=1m+20s", "outage=5m+1s"], seed=3)
    assert (faults.latency_s, faults.jitter_s, faults.seed) == (0.05, 0.02, 3)
    assert faults.outages == ((60.0, 20.0), (300.0, 1.0))
    assert not parse_proxy_faults([], seed=3)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--fault", "latency=5x"], "--fault latency: '5x' is not a duration"),
        (["--fault", "outage=60s"], "--fault outage: '60s' is not a window START+LENGTH"),
        (["--fault", "wobble=1s"], "--fault wobble: unknown fault"),
        (["--csms-fault", "slow=Frobnicate:2s"], "--csms-fault slow: 'Frobnicate' is not an OCPP"),
        (["--csms-fault", "callerror=Heartbeat:Oops"], "'Oops' is not an OCPP error code"),
        (["--csms-fault", "crash=1s+1s", "--csms", "ws://127.0.0.1:9/"], "drop --csms URL"),
        (["--fault", "latency=1ms", "--workers", "2"], "add --workers 1 (not 2)"),
    ],
)
def test_fleet_run_refuses_a_bad_fault_in_one_line(args: list[str], expected: str) -> None:
    result = _fleet("run", "--stations", "2", "--duration", "1", *args)
    assert result.returncode == 2
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_fleet_chaos_refuses_a_bad_duration() -> None:
    result = _fleet("chaos", "--target", "ws://127.0.0.1:9", "--latency", "soon")
    assert result.returncode == 2
    assert "argument --latency: expected a duration such as 90s, 5m or 1h30m, got 'soon'" in result.stderr


def test_fleet_chaos_relays_and_ends_on_sigint() -> None:
    with socket.create_server(("127.0.0.1", 0)) as target:
        port = target.getsockname()[1]
        command = [sys.executable, "-m", "fleet", "chaos", "--listen", "127.0.0.1:0"]
        command += ["--target", f"ws://127.0.0.1:{port}", "--latency", "10ms"]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proxy:
            assert proxy.stdout is not None
            first = proxy.stdout.readline()
            assert first.startswith("fleet chaos: 127.0.0.1:") and f"-> 127.0.0.1:{port}" in first
            listen_port = int(first.split()[2].rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", listen_port), timeout=10) as client:
                target.settimeout(10)
                upstream, _ = target.accept()
                with upstream:
                    client.sendall(b"hello")
                    upstream.settimeout(10)
                    assert upstream.recv(5) == b"hello"
            proxy.send_signal(signal.SIGINT)
            out, err = proxy.communicate(timeout=20)
    assert proxy.returncode == 0, err
    assert "fault latency from 0.0s to the end: 10 ms + 0..0 ms each way" in out
    assert "1 connections relayed" in out
