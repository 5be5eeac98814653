"""The trio shell against the embedded CSMS over loopback, in MockClock time (level 2 of the tests)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import trio
import trio.testing
import trio_websocket

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, RunJob, run_job
from support import OcppSchemaValidator
from support.run_summary import run_cleanly_in_process, summary_errors


async def test_fleet_charges_against_the_embedded_csms(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=20, duration_s=600, ramp_per_s=10, seed=3),
        driver=DriverSettings(mean_idle_s=60, mean_charge_s=120, step_s=2),
        capture_path=str(capture),
    )
    with trio.fail_after(700):
        result = await run_job(job)
    summary = result.summary
    assert result.exit_code == 0 and summary is not None
    assert summary_errors(summary) == []
    assert summary["stations"]["connected_peak"] == 20
    assert summary["actions"]["BootNotification"]["ok"] == 20
    assert summary["transactions"]["started"] > 0
    assert summary["transactions"]["ended"] > 0
    ledger = summary["csms"]
    assert ledger["seq_no_gaps"] == 0 and ledger["seq_no_duplicates"] == 0
    # the drain at the end sends the Ended messages still queued when the run stopped
    assert summary["drain"]["left_unsent"] == 0
    assert ledger["transactions_ended"] == summary["transactions"]["ended"]
    assert OcppSchemaValidator("2.0.1").validate_capture(capture) == []


async def test_readme_contract_200_stations_30_seconds(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    """`fleet run --stations 200 --duration 30` as the CLI builds it: charging, zero errors, every
    frame sent valid against the official OCPP 2.0.1 schemas."""
    capture = tmp_path / "frames.jsonl"
    summary = await run_cleanly_in_process(
        ["run", "--stations", "200", "--duration", "30", "--capture", str(capture)],
        timeout_s=100,
    )
    assert summary["stations"]["configured"] == 200
    assert summary["stations"]["connected_peak"] == 200
    assert summary["transactions"]["started"] > 0
    assert summary["transactions"]["ended"] > 0
    for key in ("sent", "ok", "errors", "latency_ms"):
        assert key in summary["actions"]["TransactionEvent"]
    assert set(summary["actions"]["TransactionEvent"]["latency_ms"]) >= {"p50", "p90", "p99", "max"}
    assert OcppSchemaValidator("2.0.1").validate_capture(capture) == []


async def test_unreachable_csms_fails_fast_with_one_line(
    autojump_clock: trio.testing.MockClock, unused_port: int
) -> None:
    job = RunJob(fleet=FleetConfig(csms_url=f"ws://127.0.0.1:{unused_port}/ocpp", stations=5))
    with trio.fail_after(60):
        result = await run_job(job)
    assert result.exit_code == 1
    assert result.summary is None
    assert result.failure is not None and "connection refused" in result.failure
    assert "\n" not in result.failure


async def _serve(handler: Any, nursery: trio.Nursery) -> int:
    server = await nursery.start(trio_websocket.serve_websocket, handler, "127.0.0.1", 0, None)
    port: int = server.port
    return port


async def test_csms_without_the_ocpp_subprotocol_is_unreachable(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def accept_without_subprotocol(request: trio_websocket.WebSocketRequest) -> None:
        connection = await request.accept()
        with trio.move_on_after(5), contextlib.suppress(trio_websocket.ConnectionClosed):
            await connection.get_message()  # until the fleet hangs up

    port = await _serve(accept_without_subprotocol, nursery)
    job = RunJob(fleet=FleetConfig(csms_url=f"ws://127.0.0.1:{port}", stations=3))
    with trio.fail_after(60):
        result = await run_job(job)
    assert result.exit_code == 1
    assert result.failure is not None and "ocpp2.0.1" in result.failure and "subprotocol" in result.failure


async def test_refused_upgrade_names_the_http_status(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def not_found(request: trio_websocket.WebSocketRequest) -> None:
        await request.reject(404, body=b"unknown charging station")

    port = await _serve(not_found, nursery)
    job = RunJob(fleet=FleetConfig(csms_url=f"ws://127.0.0.1:{port}/ocpp", stations=3))
    with trio.fail_after(60):
        result = await run_job(job)
    assert result.exit_code == 1
    assert result.failure is not None
    assert "HTTP 404" in result.failure and "unknown charging station" in result.failure


async def test_profile_at_speed_120_charges_and_stays_schema_valid(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    """`fleet run --profile workplace --speed 120`: a working day in 5 minutes, every frame valid."""
    capture = tmp_path / "frames.jsonl"
    summary = await run_cleanly_in_process(
        [
            "run",
            "--profile", "workplace",
            "--speed", "120",
            "--stations", "20",
            "--duration", "300",
            "--start", "2026-11-30T05:00:00Z",  # a Monday, 06:00 local time of the profile
            "--capture", str(capture),
        ],
        timeout_s=400,
    )  # fmt: skip
    assert summary["speed"] == 120 and summary["profile"] == "workplace"
    assert summary["transactions"]["started"] > 15  # the morning peak of a commuter car park
    assert summary["transactions"]["ended"] > 0
    assert summary["csms_requests"]["RequestStartTransaction"]["answered"] > 0  # app starts
    ledger = summary["csms"]
    assert ledger["seq_no_gaps"] == 0 and ledger["seq_no_duplicates"] == 0
    assert OcppSchemaValidator("2.0.1").validate_capture(capture) == []


async def test_profile_outages_reconnect_and_replay_without_losing_data(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    """Residential profile (0.3 connectivity outages per station-day) for a simulated day: the
    engine drops and restores connections as the behaviour asks, queued transaction messages are
    replayed flagged offline, and the CSMS sees every seqNo exactly once."""
    capture = tmp_path / "frames.jsonl"
    summary = await run_cleanly_in_process(
        [
            "run",
            "--profile", "residential",
            "--speed", "600",
            "--stations", "30",
            "--duration", "300",  # 50 simulated hours: ~19 outages expected
            "--start", "2026-11-30T12:00:00Z",
            "--capture", str(capture),
        ],
        timeout_s=400,
    )  # fmt: skip
    assert summary["stations"]["reconnects"] > 5
    ledger = summary["csms"]
    assert ledger["offline_messages"] > 0  # transaction messages queued during outages, replayed
    assert ledger["transactions_ended"] > 0
    assert ledger["seq_no_gaps"] == 0 and ledger["seq_no_duplicates"] == 0
    assert OcppSchemaValidator("2.0.1").validate_capture(capture) == []
