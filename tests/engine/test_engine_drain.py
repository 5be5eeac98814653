"""The end of a run drains what the stations recorded: against a slow embedded CSMS (queues build
up behind each CALL in flight), in MockClock time."""

from __future__ import annotations

import signal
from typing import Any

import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.csms import CsmsConfig
from fleet.engine import FleetConfig, RunJob, run_job

# short sessions and quick drivers: many messages per station; a CSMS answering each after a delay
_DRIVER = DriverSettings(mean_idle_s=20, mean_charge_s=40, step_s=1)


def _job(*, response_delay_s: float, drain_timeout_s: float, duration_s: float = 120) -> RunJob:
    return RunJob(
        fleet=FleetConfig(
            csms_url="",
            stations=12,
            duration_s=duration_s,
            ramp_per_s=12,
            seed=7,
            drain_timeout_s=drain_timeout_s,
        ),
        csms=CsmsConfig(response_delay_s=response_delay_s),
        driver=_DRIVER,
    )


def _summary(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0 and result.summary is not None
    summary: dict[str, Any] = result.summary
    return summary


async def test_the_csms_gets_every_ended_transaction_the_stations_recorded(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(300):
        summary = _summary(await run_job(_job(response_delay_s=1.5, drain_timeout_s=60)))
    drain = summary["drain"]
    assert drain["left_unsent"] == 0
    assert drain["messages_flushed"] > 0 and drain["stations_drained"] > 0  # queues had built up
    assert 0 < drain["seconds"] < 60
    ledger = summary["csms"]
    assert summary["transactions"]["ended"] > 0
    assert ledger["transactions_ended"] == summary["transactions"]["ended"]
    assert ledger["seq_no_gaps"] == 0 and ledger["seq_no_duplicates"] == 0
    assert summary["messages_dropped"] == []


async def test_without_a_drain_what_is_queued_is_counted_not_lost(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(300):
        summary = _summary(await run_job(_job(response_delay_s=1.5, drain_timeout_s=0)))
    drain = summary["drain"]
    assert drain["messages_flushed"] == 0 and drain["seconds"] == 0
    assert drain["left_unsent"] > 0  # the queues the slow CSMS built are reported
    assert summary["csms"]["transactions_ended"] <= summary["transactions"]["ended"]


async def _interrupt(times: list[float]) -> None:
    for at in times:
        await trio.sleep_until(at)
        signal.raise_signal(signal.SIGINT)


async def test_ctrl_c_drains_and_a_second_ctrl_c_skips_the_drain(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # a CSMS so slow the drain cannot finish in a second
    job = _job(response_delay_s=20, drain_timeout_s=100, duration_s=600)
    async with trio.open_nursery() as nursery:
        start = trio.current_time()
        nursery.start_soon(_interrupt, [start + 60, start + 61])
        with trio.fail_after(300):
            summary = _summary(await run_job(job))
    assert summary["interrupted"] is True
    assert 60 <= summary["duration_s"] < 63  # stopped at the second Ctrl-C, not after the drain
    drain = summary["drain"]
    assert drain["seconds"] < 2
    assert drain["left_unsent"] > 0


async def test_one_ctrl_c_drains_before_stopping(autojump_clock: trio.testing.MockClock) -> None:
    job = _job(response_delay_s=1.5, drain_timeout_s=100, duration_s=600)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_interrupt, [trio.current_time() + 60])
        with trio.fail_after(300):
            summary = _summary(await run_job(job))
    assert summary["interrupted"] is True
    assert summary["drain"]["left_unsent"] == 0
    assert summary["csms"]["transactions_ended"] == summary["transactions"]["ended"]
