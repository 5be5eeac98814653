"""--deflate against the embedded CSMS (which accepts permessage-deflate): half the stations
compress, every station boots, the CSMS's ledger and answers are those of a plain run."""

from __future__ import annotations

import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, RunJob, run_job
from fleet.metrics import format_summary
from support.run_summary import summary_errors


def test_the_share_is_spread_evenly_by_index() -> None:
    half = FleetConfig(csms_url="", stations=10, deflate=0.5)
    assert [index for index in range(10) if half.offers_deflate(index)] == [1, 3, 5, 7, 9]
    assert half.deflate_offered() == 5
    assert not any(FleetConfig(csms_url="", stations=10).offers_deflate(index) for index in range(10))
    everyone = FleetConfig(csms_url="", stations=10, deflate=1.0)
    assert all(everyone.offers_deflate(index) for index in range(10)) and everyone.deflate_offered() == 10


async def test_half_the_fleet_on_deflate_boots_and_charges_against_the_embedded_csms(
    autojump_clock: trio.testing.MockClock,
) -> None:
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=10, duration_s=300, ramp_per_s=10, seed=3, deflate=0.5),
        driver=DriverSettings(mean_idle_s=30, mean_charge_s=60, step_s=2),
    )
    with trio.fail_after(400):
        result = await run_job(job)
    summary = result.summary
    assert result.exit_code == 0 and summary is not None
    assert summary_errors(summary) == []
    assert summary["deflate"] == {"offered": 5, "accepted": 5}
    assert "permessage-deflate: 5 stations offered, 5 accepted" in format_summary(summary)
    assert summary["actions"]["BootNotification"]["ok"] == 10
    assert summary["stations"]["booted"] == 10
    assert summary["transactions"]["started"] > 0
    ledger = summary["csms"]
    assert ledger["seq_no_gaps"] == 0 and ledger["seq_no_duplicates"] == 0
    assert ledger["transactions_ended"] == summary["transactions"]["ended"]


async def test_without_deflate_the_summary_says_nothing_of_it(autojump_clock: trio.testing.MockClock) -> None:
    job = RunJob(fleet=FleetConfig(csms_url="", stations=2, duration_s=20, ramp_per_s=10, seed=3))
    with trio.fail_after(100):
        result = await run_job(job)
    assert result.summary is not None and "deflate" not in result.summary
