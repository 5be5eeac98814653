"""Same seed, same forecast, byte for byte; another seed, another forecast."""

from __future__ import annotations

from pathlib import Path

from fleet.simulation import (
    SimulationConfig,
    forecast_json,
    run_simulation,
    simple_fleet,
    write_forecast_json,
)


def _forecast_bytes(seed: int) -> bytes:
    config = SimulationConfig(hours=3.0, seed=seed)
    return forecast_json(run_simulation(config, simple_fleet(12, seed=seed, epoch=config.epoch)))


def test_same_seed_gives_identical_json_files(tmp_path: Path) -> None:
    config = SimulationConfig(hours=3.0, seed=7)
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in paths:
        forecast = run_simulation(config, simple_fleet(12, seed=7, epoch=config.epoch))
        write_forecast_json(forecast, path)
    first, second = (path.read_bytes() for path in paths)
    assert first == second
    assert b'"messages_total"' in first


def test_a_different_seed_gives_a_different_forecast() -> None:
    assert _forecast_bytes(1) != _forecast_bytes(2)


def test_the_json_keys_are_sorted() -> None:
    text = _forecast_bytes(3).decode()
    top_level = [line.strip().split('"')[1] for line in text.splitlines() if line.startswith('  "')]
    assert top_level == sorted(top_level) == ["config", "series", "summary"]
