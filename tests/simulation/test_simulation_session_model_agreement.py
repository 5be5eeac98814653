"""The session model against the frames model: same profile, same seed, same day.

The frames model sends every OCPP frame through the real station core and the CSMS model; the
session model counts each visit's messages without building them. Same stations, same random
streams, so the comparison is visit for visit: every one-off message (boots, status changes,
authorizations, alerts, heartbeats) must be counted exactly alike, and the bulk (meter values),
energy and offline replays within the small differences the session model's longer battery steps
and unserialised CALLs make.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fleet.behaviour import Profile, bundled_profiles_dir, load_profile, resolve_profile
from fleet.simulation import FleetSpec, Forecast, Model, SimulationConfig, build_fleet, run_sharded

# (profile, stations): sized so the frames model runs in a few seconds
CASES = [
    ("workplace", 20),
    ("residential", 40),
    ("urban_public", 20),
    ("highway_dc", 6),
    ("fleet_depot", 30),
]


def _both(profile: str, stations: int, seed: int, hours: float = 24.0) -> tuple[Forecast, Forecast, Profile]:
    spec = FleetSpec(count=stations, seed=seed, profile=profile)
    name, epoch, _ = build_fleet(spec, range(0))
    forecasts = []
    models: tuple[Model, ...] = ("sessions", "frames")
    for model in models:
        config = SimulationConfig(hours=hours, seed=seed, epoch=epoch, profile_name=name, model=model)
        forecasts.append(run_sharded(config, spec, 1))
    return forecasts[0], forecasts[1], load_profile(resolve_profile(profile))


def _hourly(forecast: Forecast) -> list[int]:
    per_minute = forecast.series["messages_total"]
    return [sum(per_minute[start : start + 60]) for start in range(0, len(per_minute), 60)]


def _assert_agree(sessions: Forecast, frames: Forecast, profile: Profile) -> None:
    fast, exact = sessions.summary, frames.summary
    assert set(fast["messages_by_action"]) == set(exact["messages_by_action"])
    # a DC driver leaves a margin after the EV is full: the frames model holds each power for up
    # to 5 % of its change (fleet.behaviour.ChargingBattery.seconds_until_change), so its EVs reach
    # the target seconds earlier than on the session model's exact curve, and the stay is shorter
    near = 0.005 if profile.dc_departure_margin_min is not None else 0.001
    for action, count in exact["messages_by_action"].items():
        if action == "TransactionEvent" or (action == "Heartbeat" and near > 0.001):
            assert abs(fast["messages_by_action"][action] - count) <= near * count + 2, action
        else:
            assert fast["messages_by_action"][action] == count, action
    assert fast["transactions_started"] == exact["transactions_started"]
    assert fast["transactions_ended"] == exact["transactions_ended"]
    assert fast["stations_booted"] == exact["stations_booted"]
    assert fast["connected_peak"] == exact["connected_peak"]
    assert fast["csms_calls"] == exact["csms_calls"]
    assert abs(fast["energy_kwh"] - exact["energy_kwh"]) <= 0.01 * exact["energy_kwh"] + 0.01
    assert abs(fast["peak_concurrent_transactions"] - exact["peak_concurrent_transactions"]) <= 1
    assert abs(fast["offline_replays"] - exact["offline_replays"]) <= 0.1 * exact["offline_replays"] + 2
    assert abs(fast["messages_per_second"]["peak"] - exact["messages_per_second"]["peak"]) <= 2
    assert set(fast["messages_per_second_by_action"]) == set(exact["messages_by_action"])
    for action, rates in exact["messages_per_second_by_action"].items():
        mine = fast["messages_per_second_by_action"][action]
        assert rates["peak"] <= exact["messages_per_second"]["peak"]
        assert abs(mine["peak"] - rates["peak"]) <= 2 and abs(mine["p99"] - rates["p99"]) <= 1, action
    for hour, (got, want) in enumerate(zip(_hourly(sessions), _hourly(frames), strict=True)):
        assert abs(got - want) <= 10 * near * want + 2, f"hour {hour}: {got} vs {want}"
    # the energy curve, hour by hour: the session model's is the energy delivered by then, the
    # frames model's what the CSMS has been told, up to one meter-value interval behind
    max_kw = max(kind.max_power_kw for kind in profile.station_types)
    lag_h = profile.ocpp.tx_updated_interval_s / 3600.0
    minutes = len(frames.series["energy_kwh"])
    for minute in range(59, minutes, 60):
        got, want = sessions.series["energy_kwh"][minute], frames.series["energy_kwh"][minute]
        charging = frames.series["concurrent_transactions"][minute]
        bound = 0.03 * want + charging * max_kw * lag_h + 1.0
        assert abs(got - want) <= bound, f"minute {minute}: {got} vs {want} kWh"


@pytest.mark.parametrize(("profile", "stations"), CASES)
def test_the_session_model_forecasts_what_the_frames_model_does(profile: str, stations: int) -> None:
    sessions, frames, loaded = _both(profile, stations, seed=1)
    assert frames.summary["transactions_started"] > 0
    _assert_agree(sessions, frames, loaded)


def test_outages_queue_and_replay_alike(tmp_path: Path) -> None:
    # residential with six outages a station a day: queued TransactionEvents, status snapshots on
    # reconnect, app starts refused while offline, heartbeats only while connected
    text = (bundled_profiles_dir() / "residential.toml").read_text()
    stormy = re.sub(r"outages_per_station_day = [0-9.]+", "outages_per_station_day = 6.0", text)
    path = tmp_path / "stormy.toml"
    path.write_text(stormy)
    sessions, frames, loaded = _both(str(path), 20, seed=3)
    assert frames.summary["offline_replays"] > 20
    assert min(frames.series["connected_stations"]) < 20
    _assert_agree(sessions, frames, loaded)
