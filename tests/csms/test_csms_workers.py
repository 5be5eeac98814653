"""`fleet csms --workers 2`: two processes on one port serve a fleet; one merged ledger."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import trio

from fleet.csms import Ledger, TransactionRecord, merge_ledgers
from fleet.engine import FleetConfig, RunJob, run_job


def _record(seq_nos: set[int], energy: float, at_s: int, *, ended: bool) -> TransactionRecord:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=at_s)
    return TransactionRecord(
        "tx-1",
        "CS-1",
        seq_nos=seq_nos,
        max_seq_no=max(seq_nos),
        started=0 in seq_nos,
        ended=ended,
        energy_wh=energy,
        energy_at=at,
        first_energy_wh=energy,
        first_energy_at=at,
    )


def test_a_transaction_split_over_two_workers_merges_without_gaps() -> None:
    # the station reconnected mid-transaction and landed on the other worker
    first, second = Ledger(), Ledger()
    first.transactions["tx-1"] = _record({0, 1, 2}, 100.0, 0, ended=False)
    second.transactions["tx-1"] = _record({2, 3, 4}, 900.0, 60, ended=True)
    first.messages_by_action["TransactionEvent"] = 3
    second.messages_by_action["TransactionEvent"] = 3
    merged = merge_ledgers([first, second]).summary()
    assert merged["transactions_seen"] == 1
    assert merged["seq_no_gaps"] == 0
    assert merged["seq_no_duplicates"] == 1  # seqNo 2 reached both
    assert merged["energy_wh"] == 800.0
    assert merged["messages_total"] == 6
    assert first.transactions["tx-1"].seq_nos == {0, 1, 2}  # inputs unchanged


async def test_fleet_csms_workers_serves_a_fleet(unused_port: int) -> None:
    command = [sys.executable, "-m", "fleet", "csms", "--workers", "2", "--port", str(unused_port)]
    process = await trio.lowlevel.open_process(command, stdout=subprocess.PIPE)
    assert process.stdout is not None
    try:
        output = b""
        with trio.fail_after(30):
            while b"listening on" not in output:
                chunk = await process.stdout.receive_some()
                assert chunk, "fleet csms exited before listening"
                output += chunk
        assert b"(2 worker processes)" in output
        job = RunJob(
            fleet=FleetConfig(
                csms_url=f"ws://127.0.0.1:{unused_port}", stations=10, duration_s=2.0, ramp_per_s=100.0
            )
        )
        with trio.fail_after(30):
            result = await run_job(job)
        assert result.summary is not None
        booted = result.summary["stations"]["booted"]
        assert booted > 0
        process.send_signal(signal.SIGINT)
        with trio.fail_after(30):
            while True:
                chunk = await process.stdout.receive_some()
                if not chunk:
                    break
                output += chunk
            assert await process.wait() == 0
    finally:
        process.kill()
    ledger = json.loads(output[output.index(b"{") :])
    assert ledger["stations_booted"] == booted
    assert (
        ledger["messages_by_action"]["BootNotification"]
        == result.summary["actions"]["BootNotification"]["ok"]
    )
