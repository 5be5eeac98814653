"""The use-case options as a user meets them on the command line: `fleet run --csms-fault` words
and `--csms-data-transfer` (`fleet csms --data-transfer`) refuse bad input in one line (exit 2),
and a short real `fleet run` answers boots Pending, then Accepted, on the wire."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _usecase_wire import answers_to, calls, read_capture


def _fleet(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fleet", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--csms-fault", "tx-callerror=Begun"],
            "--csms-fault tx-callerror: 'Begun' is not a transaction event type",
        ),
        (["--csms-fault", "tx-callerror-attempts=2"], "add tx-callerror=EVENTS"),
        (
            ["--csms-fault", "tx-token=Maybe"],
            "--csms-fault tx-token: 'Maybe' is not one of Invalid, Blocked, Expired",
        ),
        (
            ["--csms-fault", "pending-share=2"],
            "--csms-fault pending-share: '2' is not a share between 0 and 1",
        ),
        (["--csms-data-transfer", ":x"], "argument --csms-data-transfer: ':x': expected VENDOR[:MESSAGE]"),
    ],
)
def test_fleet_run_refuses_bad_use_case_options_in_one_line(args: list[str], expected: str) -> None:
    result = _fleet("run", "--stations", "2", "--duration", "1", *args)
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1


def test_fleet_csms_refuses_a_bad_data_transfer_vendor() -> None:
    result = _fleet("csms", "--data-transfer", "org.acme:" + "m" * 51)
    assert result.returncode == 2 and "argument --data-transfer:" in result.stderr


def test_a_real_run_with_pending_boots_then_accepted(tmp_path: Path) -> None:
    capture = tmp_path / "frames.jsonl"
    result = _fleet(
        "run", "--stations", "2", "--duration", "4", "--seed", "1",
        "--csms-fault", "pending-boots=1,pending-interval=1s",
        "--csms-data-transfer", "org.acme:ping",
        "--capture", str(capture),
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frames = read_capture(capture)
    for station in ("SIM-00000", "SIM-00001"):
        boots = [b for b in calls(frames, "BootNotification") if b.station == station]
        answers = [answers_to(frames, boot)[0].payload for boot in boots]
        assert [a["status"] for a in answers] == ["Pending", "Accepted"] and answers[0]["interval"] == 1
        assert 0.9 < boots[1].t - boots[0].t < 3.0  # the 1 s interval (a loaded machine may lag)
