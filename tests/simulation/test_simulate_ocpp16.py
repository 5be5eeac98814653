"""`fleet simulate --ocpp 1.6` and mixed fleets (issue 21 item 9, OCPP part): the 1.6 share of a
forecast sends what 1.6 stations send (StartTransaction, MeterValues, StopTransaction,
StatusNotification, Heartbeat) for the same sessions and energy, and a simulated 1.6 day's
messages per action are those a `fleet run --ocpp 1.6` of the same day puts on the wire."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from fleet.cli._main import _parse
from fleet.cli._run import job_from_arguments
from fleet.engine import run_job
from fleet.simulation import FleetSpec, SimulationConfig, build_fleet, run_sharded

TRANSACTION_201 = {"TransactionEvent", "NotifyEvent"}
TRANSACTION_16 = {"StartTransaction", "MeterValues", "StopTransaction"}


def _simulate(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fleet", "simulate", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def _forecast(share_16: float, *, profile: str = "workplace", stations: int = 10) -> dict[str, Any]:
    spec = FleetSpec(count=stations, seed=5, profile=profile, ocpp_16_share=share_16)
    name, epoch, _ = build_fleet(spec, range(0))
    config = SimulationConfig(hours=24, seed=5, epoch=epoch, profile_name=name, model="frames")
    return run_sharded(config, spec, 1).summary


def test_a_16_fleet_sends_the_16_messages_for_the_same_sessions() -> None:
    v201, v16 = _forecast(0.0), _forecast(1.0)
    assert v16["transactions_started"] == v201["transactions_started"] > 0
    assert v16["peak_concurrent_transactions"] == v201["peak_concurrent_transactions"] > 0
    assert v16["energy_kwh"] == pytest.approx(v201["energy_kwh"], abs=0.01)
    by_action = v16["messages_by_action"]
    assert set(by_action) >= TRANSACTION_16 and not TRANSACTION_201 & set(by_action)
    assert by_action["StartTransaction"] == v16["transactions_started"]
    assert by_action["StopTransaction"] == v16["transactions_ended"]
    # 1.6 reports every connector state (Preparing, Charging, SuspendedEV, Finishing...)
    assert by_action["StatusNotification"] > v201["messages_by_action"]["StatusNotification"]
    assert set(v16["messages_per_second_by_action"]) == set(by_action)


def test_a_mixed_fleet_speaks_both_and_the_cli_says_so(tmp_path: Path) -> None:
    out = tmp_path / "forecast.json"
    done = _simulate(
        "--profile", "workplace", "--stations", "8", "--ocpp", "mix:0.25", "--hours", "12", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "frames model" in done.stderr  # the default with 1.6 stations
    forecast = json.loads(out.read_text())
    assert forecast["config"]["ocpp"] == "mix:0.25" and forecast["config"]["ocpp_16_stations"] == 2
    by_action = forecast["summary"]["messages_by_action"]
    assert "TransactionEvent" in by_action and "StartTransaction" in by_action
    assert (
        by_action["StartTransaction"]
        < by_action.get("Authorize", 0) + forecast["summary"]["transactions_started"]
    )


@pytest.mark.parametrize(
    "args",
    [("--ocpp", "1.6", "--model", "sessions"), ("--ocpp", "mix:0.5", "--model", "sessions")],
)
def test_the_session_model_refuses_16_stations(args: tuple[str, ...]) -> None:
    done = _simulate("--profile", "workplace", "--stations", "2", *args)
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(f"fleet simulate: error: --ocpp {args[1]}: the session model counts OCPP 2.0.1 messages")
    )


async def _run_the_plan(plan: Path) -> dict[str, int]:
    """`fleet run --ocpp 1.6 --load-plan PLAN` over the plan's whole day against the embedded CSMS
    (which answers app starts, as the forecast's CSMS model does); what the CSMS received."""
    ns = _parse(["run", "--load-plan", str(plan), "--ocpp", "1.6", "--speed", "600"])
    ns.ramp = 1000.0  # all stations at once
    with trio.fail_after(900):
        result = await run_job(job_from_arguments(ns))
    assert result.exit_code == 0 and result.summary is not None, result.failure
    by_action: dict[str, int] = result.summary["csms"]["messages_by_action"]
    return by_action


async def test_a_simulated_16_day_has_the_message_rates_of_a_16_run_of_it(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    plan, out = tmp_path / "plan.json", tmp_path / "forecast.json"
    args = ("--profile", "urban_public", "--stations", "6", "--seed", "3", "--ocpp", "1.6")
    done = await trio.to_thread.run_sync(
        lambda: _simulate(*args, "--load-plan", str(plan), "--out", str(out))
    )
    assert done.returncode == 0, done.stderr
    forecast = json.loads(out.read_text())["summary"]
    simulated = forecast["messages_by_action"]
    ran = await _run_the_plan(plan)
    assert set(ran) - {"Heartbeat"} == set(simulated) - {"Heartbeat"}, (ran, simulated)
    assert ran["StartTransaction"] == simulated["StartTransaction"] > 0
    # the run ends the transactions still going at the end of the day; the forecast leaves them open
    still_open = forecast["transactions_started"] - forecast["transactions_ended"]
    assert simulated["StopTransaction"] <= ran["StopTransaction"] <= simulated["StopTransaction"] + still_open
    assert ran["BootNotification"] == simulated["BootNotification"]
    assert ran.get("Authorize", 0) == simulated.get("Authorize", 0)
    for action, tolerance in (("MeterValues", 0.05), ("StatusNotification", 0.10)):
        assert ran[action] == pytest.approx(simulated[action], rel=tolerance), (action, ran, simulated)
    # a heartbeat due at the instant of a clock-aligned meter value is skipped when the meter value
    # goes first: in virtual time they tie exactly, in the run the clock's jitter decides
    assert simulated["Heartbeat"] <= ran["Heartbeat"] <= 1.6 * simulated["Heartbeat"]
