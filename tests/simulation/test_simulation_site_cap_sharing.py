"""`fleet simulate --site-cap-sharing dynamic`: the EVSEs that charge share their station's cap."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from fleet.behaviour import ChargingBattery, EvModel, StationType, Visit, load_profile, resolve_profile
from fleet.simulation import SimulationConfig, SiteCaps, run_session_model
from fleet.simulation._forecast import build_forecast
from fleet.simulation._session_evse import ChargeJob, EvseSetting, EvseSink, SessionEvse, SessionTx, Visits
from fleet.simulation._session_records import VisitRecord
from fleet.simulation._shared_charging import SharedCharging, water_fill

FLEET = [sys.executable, "-m", "fleet"]
HOUR = 3600.0


class _Sink:
    """An EvseSink that keeps the power it is given."""

    def __init__(self) -> None:
        self.powers: list[tuple[float, float, float]] = []

    def message(self, at: float, action: str) -> None:
        pass

    def csms_call(self, outcome: str) -> None:
        pass

    def power(self, start: float, end: float, watts: float) -> None:
        self.powers.append((start, end, watts))

    def transaction(self, tx: SessionTx) -> None:
        pass

    def visit(self, record: VisitRecord) -> None:
        pass


class _ScriptedEvse(SessionEvse):
    """A real EVSE (limits, battery physics) whose sessions are given, not drawn."""

    def __init__(self, evse_id: int, setting: EvseSetting, sessions: list[tuple[float, float]]) -> None:
        super().__init__(evse_id, setting, random.Random(0), None, [])
        model = EvModel(name="big AC", share=1.0, battery_kwh=100.0, max_ac_kw=11.0, ac_phases=3)
        self.jobs = [
            ChargeJob(
                Visit("rfid", "T", ChargingBattery(model, 10.0, 100.0), stop, True, False, False),
                SessionTx(evse_id, start),
                start,
                stop,
                start,
            )
            for start, stop in sessions
        ]

    def visits(self, sink: EvseSink) -> Visits:
        yield from self.jobs


def _setting() -> EvseSetting:
    profile = load_profile(resolve_profile("urban_public"))
    kind = StationType(name="pair", share=1.0, evses=2, current="AC", max_power_kw=11.0, phases=3)
    profile = msgspec.structs.replace(profile, station_types=[kind])
    return EvseSetting(profile, kind, 3, 24 * HOUR, 0.0, 0.0, lambda _at: True, 0.0)


def test_two_cars_share_an_11_kw_cap_half_and_half_while_both_charge() -> None:
    setting = _setting()
    first = _ScriptedEvse(1, setting, [(0.0, 4 * HOUR)])  # charging 0-4 h
    second = _ScriptedEvse(2, setting, [(1 * HOUR, 3 * HOUR)])  # charging 1-3 h
    sinks = [_Sink(), _Sink()]
    SharedCharging(11_000.0, [(first, sinks[0]), (second, sinks[1])]).run()
    # by hand: 11 kW alone (0-1 h, 3-4 h), 5.5 kW each while both charge (1-3 h)
    assert first.jobs[0].tx.energy_wh == pytest.approx(11_000.0 + 2 * 5_500.0 + 11_000.0, rel=0.005)
    assert second.jobs[0].tx.energy_wh == pytest.approx(2 * 5_500.0, rel=0.005)
    for start, end, watts in sinks[0].powers:
        both = start >= 1 * HOUR and end <= 3 * HOUR
        assert watts == pytest.approx(5_500.0 if both else 11_000.0, rel=1e-9)
    assert all(watts == pytest.approx(5_500.0, rel=1e-9) for _, _, watts in sinks[1].powers)


def test_water_filling_gives_small_demands_in_full_and_splits_the_rest_equally() -> None:
    assert water_fill(11.0, [11.0, 11.0]) == [5.5, 5.5]
    assert water_fill(11.0, [2.0, 11.0, 11.0]) == [2.0, 4.5, 4.5]
    assert water_fill(11.0, [3.0, 4.0]) == [3.0, 4.0]
    assert water_fill(11.0, []) == []


def _sites(caps: SiteCaps | None) -> tuple[float, float]:
    """(energy kWh, peak of the minute-mean load curve kW) of 200 urban_public stations' day."""
    config = SimulationConfig(hours=24.0, seed=7, profile_name="urban_public", model="sessions")
    outcome = run_session_model(config, "urban_public", 200, 7, site_caps=caps)
    forecast = build_forecast(config, outcome, 200)
    load: dict[str, list[float]] = forecast.series["sites"]["load_kw"]
    minutes = [sum(values) for values in zip(*load.values(), strict=True)]
    return forecast.summary["sites"]["all"]["energy_kwh"], max(minutes)


def test_dynamic_sharing_never_exceeds_the_cap_and_delivers_between_static_and_uncapped() -> None:
    cap_kw = 2.0  # per 2-EVSE station: 400 kW for the fleet, below its uncapped peak
    dynamic_kwh, dynamic_peak = _sites(SiteCaps(cap_kw, sharing="dynamic"))
    static_kwh, static_peak = _sites(SiteCaps(cap_kw))
    free_kwh, free_peak = _sites(None)
    assert static_kwh < dynamic_kwh < free_kwh
    assert static_peak < dynamic_peak <= 200 * cap_kw + 1e-6 < free_peak


def test_no_session_under_a_dynamic_cap_draws_more_than_the_cap_on_average() -> None:
    """A lone car may get the whole cap, never more."""
    config = SimulationConfig(hours=24.0, seed=3, profile_name="urban_public", model="sessions")
    outcome = run_session_model(config, "urban_public", 200, 3, site_caps=SiteCaps(11.0, sharing="dynamic"))
    assert outcome.sites is not None
    assert outcome.sites.records is not None
    for station in outcome.sites.records:
        for visit in station.visits:
            if visit.charging_s > 0:
                assert visit.energy_wh / (visit.charging_s / HOUR) <= 11_000.0 + 1e-6


def _fleet(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FLEET, "simulate", "--profile", "urban_public", "--stations", "20", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def test_the_cli_runs_dynamic_sharing_and_echoes_it(tmp_path: Path) -> None:
    done = _fleet(tmp_path, "--site-cap", "11", "--site-cap-sharing", "dynamic", "--out", "f.json")
    assert done.returncode == 0, done.stderr
    config = json.loads((tmp_path / "f.json").read_text())["config"]
    assert config["site_cap_kw"]["sharing"].startswith("dynamic")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site-cap-sharing", "fair"], "--site-cap-sharing: invalid choice: 'fair'"),
        (
            ["--site-cap", "11", "--site-cap-sharing", "dynamic", "--model", "frames"],
            "fleet simulate: error: --site-cap-sharing dynamic needs the session model",
        ),
    ],
)
def test_a_bad_sharing_rule_is_refused_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = _fleet(tmp_path, *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("profile", ["urban_public", "highway_dc"])
def test_a_shared_cap_that_never_binds_forecasts_the_uncapped_day(profile: str) -> None:
    """The stations' EVSEs run side by side under a cap no site reaches: the same visits,
    messages and energy as each EVSE on its own (only float rounding where pieces split)."""
    config = SimulationConfig(hours=24.0, seed=4, profile_name=profile, model="sessions")
    free = run_session_model(config, profile, 40, 4)
    shared = run_session_model(config, profile, 40, 4, site_caps=SiteCaps(1e6, sharing="dynamic"))
    free_forecast, shared_forecast = build_forecast(config, free, 40), build_forecast(config, shared, 40)
    assert shared_forecast.summary["energy_kwh"] == pytest.approx(
        free_forecast.summary["energy_kwh"], rel=1e-6
    )
    assert shared_forecast.summary["messages_by_action"] == free_forecast.summary["messages_by_action"]
    assert free.sites is not None and shared.sites is not None
    assert free.sites.records is not None and shared.sites.records is not None
    for alone, together in zip(free.sites.records, shared.sites.records, strict=True):
        for one, other in zip(alone.visits, together.visits, strict=True):
            assert (other.evse_id, other.outcome) == (one.evse_id, one.outcome)
            assert other.arrival_s == pytest.approx(one.arrival_s, rel=1e-9)
            assert other.energy_wh == pytest.approx(one.energy_wh, rel=1e-6, abs=1e-6)
