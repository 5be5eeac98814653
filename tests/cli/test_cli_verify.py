"""`fleet verify CAPTURE LEDGER` (issue 17, item 10): a run's --capture against the ledger the
CSMS wrote (CsmsConfig.ledger_out, `fleet csms --ledger-out`): all match, exit 0; a ledger with a
message removed and one stored twice, exit 1 naming both; unreadable input, exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.csms import CsmsConfig
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job

FLEET = [sys.executable, "-m", "fleet"]


@pytest.fixture(scope="module")
def run_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """A mixed 2.0.1/1.6 fleet against the embedded CSMS (MockClock): its capture and ledger."""
    folder = tmp_path_factory.mktemp("verify")
    capture, ledger = folder / "frames.jsonl", folder / "ledger.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=10, duration_s=400, ramp_per_s=10, seed=5),
        csms=CsmsConfig(ledger_out=str(ledger)),
        driver=DriverSettings(mean_idle_s=40, mean_charge_s=90, step_s=2),
        capture_path=str(capture),
        ocpp=OcppMix.parse("mix:0.5"),
    )
    result = trio.run(run_job, job, clock=trio.testing.MockClock(autojump_threshold=0))
    assert result.summary is not None
    return capture, ledger, result.summary


def _verify(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FLEET, "verify", *map(str, files)], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_run_summary_counts_nothing_lost_against_the_ledger(
    run_files: tuple[Path, Path, dict[str, object]],
) -> None:
    _, _, summary = run_files
    loss = summary["loss"]
    assert isinstance(loss, dict)
    assert loss["lost"] == 0 and loss["duplicated"] == 0 and loss["out_of_order"] == 0
    assert set(loss["by_action"]) == {
        "MeterValues",
        "StartTransaction",
        "StopTransaction",
        "TransactionEvent",
    }
    assert all(counts["acknowledged"] > 0 for counts in loss["by_action"].values())


def test_a_capture_and_the_ledger_it_matches_exit_0(run_files: tuple[Path, Path, dict[str, object]]) -> None:
    capture, ledger, _ = run_files
    done = _verify(capture, ledger)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lost (acknowledged, not in the ledger): 0" in done.stdout
    assert "result: all match" in done.stdout


def test_a_removed_and_a_duplicated_entry_exit_1_naming_both(
    run_files: tuple[Path, Path, dict[str, object]], tmp_path: Path
) -> None:
    capture, ledger, _ = run_files
    lines = ledger.read_text().splitlines()
    removed = json.loads(lines[3])
    doubled = json.loads(lines[5])
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join([*lines[:3], *lines[4:], lines[5]]) + "\n")
    done = _verify(capture, tampered)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "lost (acknowledged, not in the ledger): 1" in done.stdout
    assert "duplicated (in the ledger more than once): 1" in done.stdout
    lost_line = done.stdout.splitlines()[
        done.stdout.splitlines().index("lost (acknowledged, not in the ledger): 1") + 1
    ]
    assert removed["station"] in lost_line and removed["action"] in lost_line
    duplicated_at = done.stdout.splitlines().index("duplicated (in the ledger more than once): 1")
    assert doubled["station"] in done.stdout.splitlines()[duplicated_at + 1]
    assert "result: MISMATCH" in done.stdout


def test_unreadable_input_exits_2_naming_the_file_and_line(
    run_files: tuple[Path, Path, dict[str, object]], tmp_path: Path
) -> None:
    capture, _, _ = run_files
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"station": "SIM-1", "action": "TransactionEvent"}\n')
    done = _verify(capture, broken)
    assert done.returncode == 2
    assert done.stderr.startswith(f"fleet verify: error: {broken} line 1:")
    missing = _verify(capture, tmp_path / "absent.jsonl")
    assert missing.returncode == 2 and "absent.jsonl: cannot read" in missing.stderr


def test_fleet_csms_refuses_a_ledger_out_it_cannot_write(tmp_path: Path) -> None:
    done = subprocess.run(
        [*FLEET, "csms", "--port", "0", "--ledger-out", str(tmp_path / "no" / "such" / "dir.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"fleet csms: error: --ledger-out {tmp_path / 'no' / 'such' / 'dir.jsonl'}: No such file or directory"
    )


def test_fleet_csms_ledger_out_and_a_fleet_run_capture_verify_end_to_end(tmp_path: Path) -> None:
    """The user's path with real processes: `fleet csms --ledger-out`, `fleet run --capture`
    against it, then `fleet verify`."""
    ledger, capture = tmp_path / "ledger.jsonl", tmp_path / "frames.jsonl"
    csms = subprocess.Popen(
        [*FLEET, "csms", "--port", "0", "--ledger-out", str(ledger)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert csms.stdout is not None
        listening = (
            csms.stdout.readline()
        )  # "CSMS (OCPP 2.0.1) listening on ws://127.0.0.1:PORT/<station-id>"
        url = listening.split(" listening on ")[1].split("/<station-id>")[0]
        fleet = ["run", "--csms", url, "--stations", "4", "--duration", "6", "--ramp", "50"]
        short_sessions = ["--idle-mean", "1", "--charge-mean", "2"]
        run = subprocess.run(
            [*FLEET, *fleet, *short_sessions, "--capture", str(capture)],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert run.returncode == 0, run.stderr
    finally:
        csms.send_signal(signal.SIGINT)
        try:
            csms.wait(timeout=30)
        except subprocess.TimeoutExpired:
            csms.kill()
            csms.wait()
    done = _verify(capture, ledger)
    assert done.returncode == 0, done.stdout + done.stderr
    acknowledged = int(done.stdout.split(" transaction messages acknowledged")[0])
    assert acknowledged > 0 and "result: all match" in done.stdout
