"""A CSMS restart: stations notice, keep simulating offline, reconnect with backoff, report again."""

from __future__ import annotations

import random
from collections.abc import Callable

import trio
import trio.testing

from fleet.behaviour import Backoff, DriverSettings, SimulatedStation
from fleet.csms import CsmsConfig, CsmsServer, serve_csms
from fleet.engine import FleetConfig, run_fleet
from fleet.metrics import RunRecorder
from fleet.station import ShellStation, StationConfig

STATIONS = 8


def _make_station(index: int, station_id: str, rng: random.Random, now: float) -> ShellStation:
    config = StationConfig(station_id=station_id, evse_count=1)
    return SimulatedStation(config, rng, DriverSettings(mean_idle_s=30, mean_charge_s=120), start_at=0.0)


async def _wait(condition: Callable[[], bool]) -> None:
    # polled in MockClock time: costs no wall-clock time (callers bound it with fail_after)
    while not condition():  # noqa: ASYNC110 - the condition is plain state, nothing to wait on
        await trio.sleep(0.5)


async def test_stations_reconnect_after_a_csms_restart_without_losing_transaction_data(
    autojump_clock: trio.testing.MockClock, unused_port: int
) -> None:
    recorder = RunRecorder()
    fleet = FleetConfig(
        csms_url=f"ws://127.0.0.1:{unused_port}",
        stations=STATIONS,
        duration_s=900,
        ramp_per_s=10,
        backoff=Backoff(initial_s=1, factor=2, max_s=30),
    )
    async with trio.open_nursery() as nursery:
        async with trio.open_nursery() as first_life:
            first: CsmsServer = await first_life.start(serve_csms, CsmsConfig(), "127.0.0.1", unused_port)
            nursery.start_soon(run_fleet, fleet, _make_station, recorder)
            with trio.fail_after(60):
                await _wait(lambda: len(first.ledger.stations_booted) >= STATIONS)
                await _wait(lambda: recorder.snapshot().transactions_active > 0)
            first_life.cancel_scope.cancel()
        await trio.sleep(40)  # the CSMS is down for 40 s: stations back off and charge offline

        second: CsmsServer = await nursery.start(serve_csms, CsmsConfig(), "127.0.0.1", unused_port)
        with trio.fail_after(200):
            await second.wait_for_stations(STATIONS)
            await _wait(lambda: second.ledger.messages_by_action.get("StatusNotification", 0) >= STATIONS)
        nursery.cancel_scope.cancel()

    snapshot = recorder.snapshot()
    assert snapshot.reconnects >= 2 * STATIONS  # each station tried more than once while it was down
    # already accepted in this power cycle: statuses again, no second BootNotification
    assert second.ledger.messages_by_action.get("BootNotification", 0) == 0
    # what was queued offline arrived afterwards, flagged offline
    assert second.ledger.summary()["offline_messages"] > 0
    # over both lives of the CSMS, every ended transaction has every seqNo exactly once
    ended = 0
    for transaction_id, record in second.ledger.transactions.items():
        seen = list(record.seq_nos)
        if transaction_id in first.ledger.transactions:
            seen += list(first.ledger.transactions[transaction_id].seq_nos)
        if record.ended:
            ended += 1
            assert sorted(seen) == list(range(record.max_seq_no + 1)), transaction_id
    assert ended > 0
