"""A CSMS down for 20 s mid-run: the summary names the outage window (when, how many stations,
how long until they were back, what was queued and replayed) and the loss accounting against
the CSMS's ledger (over both of its lives) says 0 lost, 0 duplicated (issue 17, findings 3 and 10)."""

from __future__ import annotations

import random
from typing import Any

import trio
import trio.testing

from fleet.behaviour import Backoff, DriverSettings, SimulatedStation
from fleet.csms import CsmsConfig, CsmsServer, merge_ledgers, serve_csms
from fleet.engine import FleetConfig, OcppMix, RunJob, run_fleet, run_sharded
from fleet.engine._job_summary import fleet_summary, outage_windows
from fleet.engine._recorder_topology import RecorderTopology
from fleet.metrics import RunRecorder, format_summary
from fleet.station import ShellStation, StationConfig

STATIONS = 8
DOWN_AT_S = 40.0
DOWN_FOR_S = 20.0


def _make_station(index: int, station_id: str, rng: random.Random, now: float) -> ShellStation:
    config = StationConfig(station_id=station_id, evse_count=1)
    return SimulatedStation(config, rng, DriverSettings(mean_idle_s=20, mean_charge_s=60), start_at=now)


async def _run_with_outage(port: int) -> dict[str, Any]:
    recorders = RecorderTopology(RunRecorder(), "2.0.1", None)
    fleet = FleetConfig(
        csms_url=f"ws://127.0.0.1:{port}",
        stations=STATIONS,
        duration_s=150,
        ramp_per_s=10,
        backoff=Backoff(initial_s=1, factor=2, max_s=8),
    )
    outcome: list[Any] = []

    async def run() -> None:
        outcome.append(await run_fleet(fleet, _make_station, recorders.reports))

    async with trio.open_nursery() as nursery:
        async with trio.open_nursery() as first_life:
            first: CsmsServer = await first_life.start(serve_csms, CsmsConfig(), "127.0.0.1", port)
            nursery.start_soon(run)
            await trio.sleep(DOWN_AT_S)
            first_life.cancel_scope.cancel()
        await trio.sleep(DOWN_FOR_S)
        second: CsmsServer = await nursery.start(serve_csms, CsmsConfig(), "127.0.0.1", port)
        with trio.fail_after(400):
            while not outcome:  # noqa: ASYNC110 - polled in MockClock time
                await trio.sleep(1)
        nursery.cancel_scope.cancel()
    extra = {
        "csms": merge_ledgers([first.ledger, second.ledger]).summary(),
        "outages": outage_windows(recorders.timeseries, recorders.timeseries.start),
    }
    return fleet_summary(recorders.run, {}, fleet, OcppMix(), outcome[0].duration_s, extra)


async def test_a_csms_outage_is_one_named_window_and_nothing_is_lost(
    autojump_clock: trio.testing.MockClock, unused_port: int
) -> None:
    summary = await _run_with_outage(unused_port)
    windows = summary["outages"]["windows"]
    assert len(windows) == 1, windows
    window = windows[0]
    assert DOWN_AT_S - 1 <= window["start_s"] <= DOWN_AT_S + 1
    assert window["stations_connected_before"] == STATIONS
    assert window["stations_lost"] == STATIONS
    assert window["recovered"] and window["stations_back"] == STATIONS
    # back once the CSMS is: after the 20 s it was down, within a backoff step of 8 s
    assert DOWN_FOR_S <= window["back_95_percent_s"] <= window["back_all_s"] <= DOWN_FOR_S + 10
    assert window["messages_queued"] > 0  # transaction messages held while offline
    assert window["all_delivered"] and window["messages_dropped"] == 0

    loss = summary["loss"]
    assert loss["lost"] == 0 and loss["duplicated"] == 0 and loss["out_of_order"] == 0
    assert loss["seq_no_gaps"] == 0
    assert loss["acknowledged"] == loss["stored"] > 0
    assert loss["replayed_offline"] > 0

    text = format_summary(summary)
    assert "outages: 1 window" in text
    assert f"{STATIONS} of {STATIONS} stations lost" in text
    assert " 0 lost, 0 duplicated, 0 out of order, 0 seqNo gaps" in text


async def test_over_two_workers_and_two_csms_workers_loss_is_counted_against_the_merged_ledger() -> None:
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=20, duration_s=8.0, ramp_per_s=100.0, seed=11),
        driver=DriverSettings(mean_idle_s=1, mean_charge_s=3, step_s=1),
    )
    with trio.fail_after(90):  # real time: worker processes
        result = await run_sharded(job, 2, csms_workers_count=2)
    summary = result.summary
    assert summary is not None and summary["workers"]["died"] == []
    loss = summary["loss"]
    assert loss["acknowledged"] == loss["stored"] > 0
    assert loss["lost"] == 0 and loss["duplicated"] == 0 and loss["out_of_order"] == 0
    assert summary["outages"]["windows"] == []  # nothing went down
    assert "0 lost, 0 duplicated" in format_summary(summary)
