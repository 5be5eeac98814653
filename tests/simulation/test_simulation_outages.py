"""Outages: the station keeps charging offline, replays on reconnect, and the CSMS sees no gap.
App starts: a driver's remote start becomes a RequestStartTransaction from the CSMS model."""

from __future__ import annotations

from _simulation_stations import scripted_fleet

from fleet.simulation import Simulation, SimulationConfig


def test_outages_produce_offline_replays_and_no_lost_transaction_events() -> None:
    # every station is offline twice for 20 minutes: long enough to queue TransactionEvents
    outages = [(1_800.0, 3_000.0), (7_200.0, 8_400.0)]
    config = SimulationConfig(hours=4.0, seed=3)
    sim = Simulation(config, scripted_fleet(10, seed=3, outages=outages))
    forecast = sim.run()
    series, summary = forecast.series, forecast.summary

    assert summary["offline_replays"] > 0
    # replays arrive right after the reconnects (minute 50 and minute 140), not during the outage
    replay_minutes = {minute for minute, count in enumerate(series["offline_replays"]) if count}
    assert replay_minutes & {50, 51}
    assert replay_minutes & {140, 141}
    assert not replay_minutes & set(range(31, 50))
    # nobody is connected during an outage; everybody is back afterwards
    assert series["connected_stations"][40] == 0
    assert series["connected_stations"][60] == 10
    assert summary["seq_no_gaps"] == 0
    assert summary["transactions_ended"] > 0


def test_outage_before_the_first_connect_delays_it() -> None:
    config = SimulationConfig(hours=1.0, seed=4, ramp_s=0.0)
    sim = Simulation(config, scripted_fleet(3, seed=4, outages=[(0.0, 600.0)]))
    series = sim.run().series
    assert series["connected_stations"][5] == 0
    assert series["connected_stations"][10] == 3


def test_app_starts_become_request_start_transaction_calls() -> None:
    config = SimulationConfig(hours=1.0, seed=6)
    stations = scripted_fleet(4, seed=6, outages=[(900.0, 1_200.0)], app_starts=[300.0, 1_000.0])
    forecast = Simulation(config, stations).run()
    calls = forecast.summary["csms_calls"]
    # the one at 300 s reaches a connected station and is answered; the one during the outage cannot
    assert (
        calls.get("RequestStartTransaction/Accepted", 0) + calls.get("RequestStartTransaction/Rejected", 0)
        == 4
    )
    assert calls["RequestStartTransaction/NotConnected"] == 4
