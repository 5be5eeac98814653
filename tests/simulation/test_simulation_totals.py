"""The forecast's numbers are the CSMS ledger's numbers, per action, per minute and per second."""

from __future__ import annotations

from fleet.metrics import LatencyHistogram, latency_digest
from fleet.simulation import Simulation, SimulationConfig, simple_fleet


def test_forecast_totals_equal_the_ledger_counts() -> None:
    config = SimulationConfig(hours=4.0, seed=5)
    sim = Simulation(config, simple_fleet(15, seed=5, epoch=config.epoch))
    forecast = sim.run()
    ledger = sim.ledger.summary()
    series, summary = forecast.series, forecast.summary

    assert summary["messages_total"] == ledger["messages_total"] > 0
    assert summary["messages_by_action"] == ledger["messages_by_action"]
    assert sum(series["messages_total"]) == ledger["messages_total"]
    assert sum(sim.ledger.per_second) == ledger["messages_total"]
    for action, count in ledger["messages_by_action"].items():
        assert sum(series["messages_by_action"][action]) == count
    assert sum(series["offline_replays"]) == summary["offline_replays"] == ledger["offline_messages"]
    assert summary["transactions_started"] == ledger["transactions_started"] > 0
    assert summary["transactions_ended"] == ledger["transactions_ended"] > 0
    assert summary["seq_no_gaps"] == ledger["seq_no_gaps"] == 0
    assert summary["seq_no_duplicates"] == ledger["seq_no_duplicates"] == 0
    assert summary["messages_per_second"]["peak"] == max(sim.ledger.per_second)


def test_the_stations_measure_the_modeled_latency() -> None:
    # 50 ms each way: a Heartbeat (never queued behind another call) takes exactly one round trip
    config = SimulationConfig(hours=1.0, seed=2, latency=0.050)
    latency = _latency_summary(config)
    heartbeat = latency["by_action"]["Heartbeat"]
    assert heartbeat["count"] > 0
    # the histogram reports within 1/128 above the true value
    assert 100.0 <= heartbeat["p50"] <= heartbeat["max"] <= 100.0 * (1 + 1 / 128) + 0.001
    # the forecast speaks the run results' latency vocabulary (fleet.metrics.latency_digest)
    assert list(heartbeat) == list(latency["all"]) == list(latency_digest(LatencyHistogram()))


def _latency_summary(config: SimulationConfig) -> dict[str, dict[str, dict[str, float]]]:
    latency: dict[str, dict[str, dict[str, float]]] = (
        Simulation(config, simple_fleet(5, seed=config.seed, epoch=config.epoch)).run().summary["latency_ms"]
    )
    return latency
