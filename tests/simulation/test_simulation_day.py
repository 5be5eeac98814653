"""A small simulated day: one value per minute in every series, and consistent shapes."""

from __future__ import annotations

import itertools
from pathlib import Path

from fleet.simulation import SimulationConfig, run_simulation, simple_fleet, write_forecast_png


def test_a_day_of_twenty_stations_has_1440_points_per_series(tmp_path: Path) -> None:
    config = SimulationConfig(hours=24.0, seed=11)
    forecast = run_simulation(config, simple_fleet(20, seed=11, epoch=config.epoch))
    series = forecast.series
    assert series["minutes"] == 1440
    for name in (
        "messages_total",
        "offline_replays",
        "concurrent_transactions",
        "connected_stations",
        "energy_kwh",
    ):
        assert len(series[name]) == 1440, name
    for action, counts in series["messages_by_action"].items():
        assert len(counts) == 1440, action
    assert series["connected_stations"][1:] == [20] * 1439  # all connected by the end of minute 0
    energy = series["energy_kwh"]
    assert all(a <= b for a, b in itertools.pairwise(energy))
    assert energy[-1] > 0
    assert max(series["concurrent_transactions"]) <= forecast.summary["peak_concurrent_transactions"]
    assert forecast.config == {
        "model": "frames",
        "profile": "simple",
        "stations": 20,
        "hours": 24.0,
        "seed": 11,
        "start_utc": "2026-01-05T00:00:00+00:00",
        "ramp_s": 60.0,
        "latency_one_way": {"kind": "fixed", "value_ms": 20.0},
        "heartbeat_interval_s": 300,
    }

    png = tmp_path / "day.png"
    write_forecast_png(forecast, png)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
