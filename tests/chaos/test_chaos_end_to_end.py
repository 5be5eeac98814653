"""A fleet through the fault proxy (latency, jitter, dropped connections) against the embedded
CSMS, which crashes and restarts mid-run: the run completes, every fault is on the results
timeline, and the CSMS's ledger shows no transaction message lost or duplicated (MockClock)."""

from __future__ import annotations

import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.chaos import parse_csms_faults, parse_proxy_faults
from fleet.csms import CsmsConfig
from fleet.engine import FleetConfig, RunJob, run_job
from fleet.metrics import write_html_report


async def test_a_fleet_survives_the_proxy_and_a_csms_crash_without_losing_transactions(
    autojump_clock: trio.testing.MockClock, tmp_path: object
) -> None:
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=20, duration_s=240, ramp_per_s=10, seed=5),
        driver=DriverSettings(mean_idle_s=20, mean_charge_s=40, step_s=2),
        csms=CsmsConfig(faults=parse_csms_faults(["crash=100s+20s"])),
        faults=parse_proxy_faults(["latency=50ms,jitter=20ms,drop-rate=0.002"], seed=5),
    )
    with trio.fail_after(400):
        result = await run_job(job)
    summary = result.summary
    assert result.exit_code == 0 and summary is not None
    kinds = {fault["kind"]: fault for fault in summary["faults"]}
    assert set(kinds) == {"latency", "drop", "csms-crash"}
    assert (kinds["csms-crash"]["start_s"], kinds["csms-crash"]["end_s"]) == (100.0, 120.0)
    assert summary["timeseries"]["faults"] == summary["faults"]
    assert summary["transactions"]["started"] > 0 and summary["transactions"]["ended"] > 0
    ledger = summary["csms"]
    assert ledger["seq_no_gaps"] == 0 and ledger["seq_no_duplicates"] == 0
    assert summary["stations"]["reconnects"] >= 20  # everyone came back after the crash
    # the loss accounting and outage windows (README "Loss accounting", "Outages")
    assert summary["loss"]["lost"] == 0 and summary["loss"]["duplicated"] == 0
    assert any(99.0 <= window["start_s"] <= 101.0 for window in summary["outages"]["windows"])
    report = tmp_path / "report.html"  # type: ignore[operator]
    write_html_report(report, summary)
    html = report.read_text()
    assert "Faults injected" in html and "csms-crash" in html and '"bands": [[' in html  # shaded
