"""`fleet locust` as a user meets it (issue 18, finding 9): --help lists the --fleet-* options,
no --host starts the embedded CSMS, a wrong --host is one line (not a traceback per user)."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trio
from _locust_support import fleet_locust

from fleet.locust import FleetOptionError, FleetOptions
from fleet.locust._embedded_csms import EmbeddedCsms, ledger_line
from fleet.locust._options import add_fleet_arguments
from fleet.locust._preflight import check_reachable

FLEET_LOCUST = [sys.executable, "-m", "fleet", "locust"]
TIMEOUT_S = 90


class _OptionNames:
    """Collects the option names ``add_fleet_arguments`` declares."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        self.names.extend(arg for arg in args if arg.startswith("--"))


def _fleet_locust(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FLEET_LOCUST, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=TIMEOUT_S,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _refused_url() -> str:
    """A loopback port nothing listens on (bound, never listened: connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"ws://127.0.0.1:{sock.getsockname()[1]}/ocpp"


def test_help_lists_every_fleet_option_then_locusts_own(tmp_path: Path) -> None:
    declared = _OptionNames()
    add_fleet_arguments(declared)
    assert len(declared.names) >= 17

    for flag in ("--help", "-h"):
        done = _fleet_locust([flag], tmp_path)

        assert done.returncode == 0, done.stderr
        missing = [name for name in declared.names if name not in done.stdout]
        assert not missing, done.stdout
        # ours first, then Locust's
        assert done.stdout.index("--fleet-profile") < done.stdout.index("--headless")
        assert "--spawn-rate" in done.stdout


def test_without_host_the_embedded_csms_is_started_and_stopped(tmp_path: Path) -> None:
    args = ["--headless", "-u", "3", "-r", "3", "-t", "3s", "--csv", "run", "--only-summary"]
    done = _fleet_locust(args, tmp_path)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "fleet locust: no --host: started the embedded CSMS at ws://127.0.0.1:" in done.stderr
    assert ": 3 stations booted," in done.stderr  # its ledger, when Locust stopped it
    with (tmp_path / "run_stats.csv").open(newline="") as file:
        stats = {(row["Type"], row["Name"]): row for row in csv.DictReader(file)}
    boots = stats[("OCPP2.0.1", "BootNotification")]
    assert (boots["Request Count"], boots["Failure Count"]) == ("3", "0")


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("http://127.0.0.1:9/ocpp", "the CSMS URL must be ws://host[:port]/path or wss://host[:port]/path"),
        (_refused_url(), "connection refused (is the CSMS running and listening on that port?)"),
    ],
)
def test_a_wrong_host_is_one_line_at_start(tmp_path: Path, host: str, why: str) -> None:
    done = _fleet_locust(["--headless", "-u", "20", "-r", "20", "-t", "20s", "--host", host], tmp_path)

    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert errors == [f"fleet locust: error: --host {host}: {why}"], done.stderr[-3000:]


async def test_with_the_web_ui_a_refused_host_is_a_warning(tmp_path: Path, unused_port: int) -> None:
    """With the web UI, --host is only the form's default (the Host field can change it)."""
    host = _refused_url()
    args = ["--web-host", "127.0.0.1", "--web-port", str(unused_port), "--host", host]
    why = "connection refused (is the CSMS running and listening on that port?)"
    warning = f"fleet locust: warning: --host {host}: {why}; the web UI's Host field can change it"
    async with fleet_locust(args, tmp_path) as locust:
        with trio.fail_after(30):
            await locust.wait_for(warning.encode())
            await locust.wait_for(b"Starting web interface")
        started = locust.text()  # before the stop (Locust's own Ctrl-C may print a traceback)
        assert locust.process.returncode is None  # still serving the web UI
    assert "Traceback" not in started


def test_the_embedded_csms_names_its_url_and_sums_up_its_ledger() -> None:
    csms = EmbeddedCsms.start()
    try:
        assert csms.url.startswith("ws://127.0.0.1:")
        check_reachable(csms.url)  # it listens
    finally:
        line = csms.stop()
    assert line == (
        f"the embedded CSMS at {csms.url} stopped: 0 stations booted, 0 messages, "
        "0 transactions started, 0 protocol errors"
    )
    assert csms.process.returncode == 0


def test_a_ledger_summary_that_is_not_there_is_said_so() -> None:
    assert ledger_line("ws://x", b"") == "the embedded CSMS at ws://x stopped (no ledger summary)"


def test_check_target_refuses_what_is_no_websocket_url() -> None:
    with pytest.raises(FleetOptionError, match=r"^--host https://csms/ocpp: the CSMS URL must be ws://"):
        FleetOptions().check_target("https://csms/ocpp")
    FleetOptions().check_target("ws://csms/ocpp")
    FleetOptions().check_target(None)  # no host: the embedded CSMS


def test_a_refused_port_is_named() -> None:
    url = _refused_url()
    with pytest.raises(FleetOptionError, match=r"connection refused"):
        check_reachable(url)
