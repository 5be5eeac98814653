"""Issue 18, finding 1: energy as the stations meter it, not only when a transaction ends.

A commuter car park's day until 16:00 in MockClock time: some sessions have ended, others are
still charging when the run ends. The run's ``energy_kwh`` (and Prometheus's
``ocpp_fleet_energy_delivered_joules_total``) is the sum of the register growth each meter reading
reported, which the embedded CSMS's ledger computes on its side from the readings it received;
``energy_ended_kwh`` (and its own counter) keeps the energy of the ended transactions apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import trio
import trio.testing
from prometheus_client import CollectorRegistry

from fleet.behaviour import load_profile, resolve_profile
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job

MONDAY_6AM_LOCAL = datetime(2026, 11, 30, 5, 0, tzinfo=UTC).timestamp()  # the profile's 06:00
JOULES_PER_KWH = 3.6e6


async def _morning(ocpp: str) -> tuple[dict[str, Any], CollectorRegistry]:
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=20, duration_s=300.0, ramp_per_s=20.0, seed=5, speed=120.0),
        profile=load_profile(resolve_profile("workplace")),
        sim_start_epoch=MONDAY_6AM_LOCAL,
        ocpp=OcppMix.parse(ocpp),
    )
    registry = CollectorRegistry()
    with trio.fail_after(900):
        result = await run_job(job, metrics_registry=registry)
    assert result.exit_code == 0 and result.summary is not None, result.failure
    return result.summary, registry


@pytest.mark.parametrize("ocpp", ["2.0.1", "1.6"])
async def test_energy_counts_sessions_still_charging(
    autojump_clock: trio.testing.MockClock, ocpp: str
) -> None:
    summary, registry = await _morning(ocpp)

    transactions = summary["transactions"]
    assert 0 < transactions["ended"] < transactions["started"]  # and sessions still charging at the end
    metered_kwh, ended_kwh = transactions["energy_kwh"], transactions["energy_ended_kwh"]
    assert metered_kwh > 0.0
    assert ended_kwh < metered_kwh
    # the CSMS's ledger: the latest register reading less the earliest, per transaction (the
    # readings still on their way at the end are the difference): a final reading counted twice
    # would show here
    assert metered_kwh == pytest.approx(summary["csms"]["energy_wh"] / 1000.0, rel=0.005)

    def kwh(name: str) -> float | None:
        joules = registry.get_sample_value(name, {"ocpp_version": ocpp})
        return None if joules is None else joules / JOULES_PER_KWH

    assert kwh("ocpp_fleet_energy_delivered_joules_total") == pytest.approx(metered_kwh, abs=0.001)
    assert kwh("ocpp_fleet_energy_ended_transactions_joules_total") == pytest.approx(ended_kwh, abs=0.001)
