"""SimpleDriver and SimulatedStation: seeded, deterministic, and drivers keep going offline."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from _behaviour_csms import run

from fleet.behaviour import DriverSettings, SimpleDriver, SimulatedStation
from fleet.station import Station, StationConfig, TransactionEnded, TransactionStarted
from support import OcppSchemaValidator

FAST = DriverSettings(mean_idle_s=600.0, mean_charge_s=900.0, power_w=7_400.0)


def _sim(seed: int, evse_count: int = 2, settings: DriverSettings = FAST) -> SimulatedStation:
    config = StationConfig(station_id=f"SIM-{seed}", evse_count=evse_count)
    return SimulatedStation(config, random.Random(seed), settings)


def test_same_seed_gives_identical_frames_and_another_seed_does_not() -> None:
    first = run(_sim(11), until=6 * 3600.0)
    again = run(_sim(11), until=6 * 3600.0)
    other = run(_sim(12), until=6 * 3600.0)
    assert first == again
    assert first != other


def test_a_simulated_day_has_sessions_on_every_evse_and_valid_frames() -> None:
    sim = _sim(3)
    sent = run(sim, until=24 * 3600.0)
    events = sim.events()
    started = [e for e in events if isinstance(e, TransactionStarted)]
    ended = [e for e in events if isinstance(e, TransactionEnded)]
    assert {e.evse_id for e in started} == {1, 2}
    assert len(ended) >= len(started) - 2  # at most one session per EVSE still running
    assert all(e.energy_wh > 0 for e in ended if e.stopped_reason in ("Local", "EVDisconnected"))
    assert sum(driver.sessions for driver in sim.drivers) == len(started)
    violations = OcppSchemaValidator().validate_stream([("sent", text) for text in sent])
    assert violations == []


def test_token_mix_follows_the_weights() -> None:
    sim = _sim(5, evse_count=4, settings=DriverSettings(mean_idle_s=300.0, mean_charge_s=300.0))
    sent = run(sim, until=3 * 24 * 3600.0)
    kinds: Counter[str] = Counter()
    for text in sent:
        frame = json.loads(text)
        if frame[0] == 2 and frame[2] == "TransactionEvent" and "idToken" in frame[3]:
            kinds[frame[3]["idToken"]["type"]] += 1
    total = sum(kinds.values())
    assert total > 300
    assert abs(kinds["ISO14443"] / total - 0.7) < 0.08
    assert abs(kinds["KeyCode"] / total - 0.2) < 0.06
    assert abs(kinds["NoAuthorization"] / total - 0.1) < 0.05


def test_drivers_keep_charging_while_the_station_is_offline() -> None:
    sim = _sim(8, evse_count=2)
    sent = run(sim, until=12 * 3600.0, offline=(3600.0, 8 * 3600.0))
    offline_started = [e for e in sim.events() if isinstance(e, TransactionStarted) and e.offline]
    assert offline_started
    replayed = [
        json.loads(text)[3]
        for text in sent
        if json.loads(text)[0] == 2 and json.loads(text)[2] == "TransactionEvent"
    ]
    assert any(event.get("offline") is True for event in replayed)


def test_driver_walks_through_its_phases_in_order() -> None:
    config = StationConfig(station_id="ONE", evse_count=1)
    station = Station(config, random.Random(1))
    driver = SimpleDriver(
        1,
        random.Random(2),
        DriverSettings(mean_idle_s=10.0, mean_charge_s=10.0, unplug_first_probability=0.0),
    )
    phases = []
    for _ in range(8):
        deadline = driver.next_deadline()
        assert deadline is not None
        driver.handle_timer(deadline, station)
        phases.append(driver.phase)
    assert phases == ["plugged", "charging", "stopping", "away"] * 2


def test_invalid_settings_name_the_field() -> None:
    with pytest.raises(ValueError, match="mean_idle_s"):
        DriverSettings(mean_idle_s=0.0)
