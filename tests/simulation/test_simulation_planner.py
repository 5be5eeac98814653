"""`fleet simulate` for a capacity planner (issue 21 items 8-10): every driver's record, drivers
turned away, the kW load curve per site type, occupancy and idle time, start date and several
days, site power caps, and the spread over several seeds."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fleet.behaviour import bundled_profiles_dir
from fleet.simulation import (
    SESSION_COLUMNS,
    SimulationConfig,
    SiteCaps,
    forecast_json,
    percentile,
    run_session_model,
    write_sessions_csv,
)
from fleet.simulation._forecast import build_forecast
from fleet.simulation._session_records import VisitRecord, every_evse_taken

FLEET = [sys.executable, "-m", "fleet"]


def _fleet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FLEET, *args], capture_output=True, text=True, timeout=120, check=False)


def _simulate_files(tmp_path: Path, *args: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    out, sessions = tmp_path / "forecast.json", tmp_path / "sessions.csv"
    done = _fleet("simulate", *args, "--out", str(out), "--sessions", str(sessions))
    assert done.returncode == 0, done.stderr
    with sessions.open(newline="", encoding="utf-8") as rows:
        reader = csv.DictReader(rows)
        assert tuple(reader.fieldnames or ()) == SESSION_COLUMNS
        return json.loads(out.read_text()), list(reader)


def test_the_sessions_file_adds_up_to_the_forecast_and_the_load_curve_to_the_energy(tmp_path: Path) -> None:
    forecast, rows = _simulate_files(tmp_path, "--profile", "urban_public", "--stations", "40", "--seed", "3")
    summary, sites = forecast["summary"], forecast["summary"]["sites"]["all"]
    drivers = sites["drivers"]
    assert len(rows) == drivers["arrivals"] > 0
    assert sum(row["outcome"] == "charged" for row in rows) == drivers["charged"]
    assert sum(row["turned_away"] == "true" for row in rows) == drivers["turned_away"]
    started = sum(row["tx_start"] != "" for row in rows)
    assert abs(started - summary["transactions_started"]) <= 2  # a start the CSMS hears after the horizon
    session_kwh = sum(float(row["energy_kwh"]) for row in rows)
    assert session_kwh == pytest.approx(summary["energy_kwh"], rel=0.001)
    assert sites["energy_kwh"] == pytest.approx(summary["energy_kwh"], abs=0.01)
    # the kW load curve (minute means) integrates to the energy, within 1 %
    load = forecast["series"]["sites"]["load_kw"]
    integral_kwh = sum(sum(series) for series in load.values()) / 60.0
    assert integral_kwh == pytest.approx(summary["energy_kwh"], rel=0.01)
    peak = max(max(series) for series in load.values())
    assert sites["load_kw"]["peak"] >= peak > 0
    occupancy = sites["occupancy"]
    assert occupancy["occupied_evse_hours"] >= occupancy["charging_evse_hours"] > 0
    assert occupancy["idle_evse_hours"] == pytest.approx(
        occupancy["occupied_evse_hours"] - occupancy["charging_evse_hours"], abs=0.002
    )
    charged_h = sum(float(row["charging_h"]) for row in rows)
    assert charged_h == pytest.approx(occupancy["charging_evse_hours"], rel=0.001)


def _one_evse_busy_profile(tmp_path: Path) -> Path:
    """urban_public with one EVSE per station and twenty times the arrivals."""
    text = (bundled_profiles_dir() / "urban_public.toml").read_text()
    text = re.sub(r"(?m)^evses = \d+", "evses = 1", text)
    head, arrivals = text.split("\n[arrivals]\n", 1)
    block, _, rest = arrivals.partition("\n[")

    def busier(line: str) -> str:
        if not line.strip()[:1].isdigit():
            return line
        numbers, _, comment = line.partition("#")
        scaled = re.sub(r"\d+\.\d+", lambda rate: f"{float(rate.group()) * 20:.3f}", numbers)
        return scaled + ("#" + comment if comment else "")

    busy = "\n".join(busier(line) for line in block.split("\n"))
    path = tmp_path / "busy.toml"
    path.write_text(f"{head}\n[arrivals]\n{busy}\n[{rest}")
    return path


def test_drivers_who_find_the_only_evse_taken_are_turned_away_and_recorded(tmp_path: Path) -> None:
    profile = _one_evse_busy_profile(tmp_path)
    config = SimulationConfig(hours=24.0, seed=2, profile_name="busy", model="sessions")
    outcome = run_session_model(config, str(profile), 10, 2)
    assert outcome.sites is not None
    drivers = build_forecast(config, outcome, 10).summary["sites"]["all"]["drivers"]
    assert drivers["by_outcome"]["all_evses_taken"] == drivers["turned_away"] - drivers["by_outcome"].get(
        "connector_faulted", 0
    )
    assert drivers["by_outcome"]["all_evses_taken"] > drivers["charged"] > 0  # twenty times the demand
    assert outcome.sites.records is not None
    for station in outcome.sites.records:
        occupied = [(v.arrival_s, v.occupied_until) for v in station.visits if v.occupied_until is not None]
        for visit in station.visits:
            if visit.outcome == "all_evses_taken":
                assert visit.turned_away and visit.plug_in_s is None and visit.energy_wh == 0.0
                assert any(start <= visit.arrival_s < end for start, end in occupied if end is not None)


def _arrivals_on(start_utc: float) -> int:
    config = SimulationConfig(hours=24.0, seed=4, profile_name="workplace", model="sessions")
    outcome = run_session_model(config, "workplace", 40, 4, start_utc=start_utc)
    assert outcome.sites is not None
    counts = outcome.sites.outcomes.values()
    return sum(
        count for by_outcome in counts for name, count in by_outcome.items() if name != "all_evses_taken"
    )


def test_the_start_date_picks_weekday_or_weekend_arrivals() -> None:
    monday, saturday = 1_767_571_200.0, 1_767_571_200.0 + 5 * 86_400.0  # 2026-01-05 and 2026-01-10
    assert _arrivals_on(saturday) < _arrivals_on(monday) / 3  # offices are empty at the weekend


def test_a_site_cap_lowers_the_peak_and_each_evse_gets_its_equal_share() -> None:
    config = SimulationConfig(hours=24.0, seed=5, profile_name="workplace", model="sessions")
    free = build_forecast(config, run_session_model(config, "workplace", 30, 5), 30).summary["sites"]
    cap_kw = 4.0  # per 2-EVSE station: 2 kW per EVSE
    capped_outcome = run_session_model(config, "workplace", 30, 5, site_caps=SiteCaps(cap_kw))
    capped = build_forecast(config, capped_outcome, 30).summary["sites"]
    assert capped["all"]["load_kw"]["peak"] <= 30 * cap_kw + 1e-6 < free["all"]["load_kw"]["peak"]
    assert capped["all"]["energy_kwh"] < free["all"]["energy_kwh"]
    assert capped["all"]["occupancy"]["charging_evse_hours"] > free["all"]["occupancy"]["charging_evse_hours"]
    assert capped_outcome.sites is not None
    assert capped_outcome.sites.records is not None
    for station in capped_outcome.sites.records:
        for visit in station.visits:
            if visit.charging_s > 0:
                assert visit.energy_wh / (visit.charging_s / 3600.0) <= cap_kw / 2 * 1000.0 + 1e-6


def test_seeds_give_an_ordered_spread_and_each_seed_its_own_forecast(tmp_path: Path) -> None:
    args = ["--profile", "workplace", "--stations", "20", "--hours", "24"]
    done = _fleet("simulate", *args, "--seed", "7", "--seeds", "3", "--out", str(tmp_path / "spread.json"))
    assert done.returncode == 0, done.stderr
    assert "over seeds 7..9 (p5 / p50 / p95): load_kw " in done.stdout
    spread = json.loads((tmp_path / "spread.json").read_text())["summary"]["seed_spread"]
    assert spread["seeds"] == [7, 8, 9]
    for name in (
        "load_kw",
        "messages_per_second",
        "occupied_evses",
        "turned_away",
        "messages_per_second.Heartbeat",
    ):
        figure = spread["peaks"][name]
        assert figure["p5"] <= figure["p50"] <= figure["p95"], name
    single = _fleet("simulate", *args, "--seed", "8", "--out", str(tmp_path / "eight.json"))
    assert single.returncode == 0, single.stderr
    eight = json.loads((tmp_path / "eight.json").read_text())["summary"]
    assert spread["peaks"]["load_kw"]["values"][1] == eight["sites"]["all"]["load_kw"]["peak"]
    assert spread["peaks"]["messages_per_second"]["values"][1] == eight["messages_per_second"]["peak"]


def test_percentiles_interpolate_between_the_sorted_values() -> None:
    assert percentile([3.0, 1.0, 2.0], 50.0) == 2.0
    assert percentile([1.0, 2.0], 5.0) == pytest.approx(1.05)
    assert percentile([4.0], 95.0) == 4.0


def test_a_week_from_a_friday_and_the_same_sessions_for_any_workers(tmp_path: Path) -> None:
    args = ["--profile", "residential", "--stations", "12", "--duration", "1w", "--start-date", "2026-07-03"]
    one = _fleet(
        "simulate", *args, "--sessions", str(tmp_path / "one.csv"), "--out", str(tmp_path / "one.json")
    )
    assert one.returncode == 0, one.stderr
    assert "168 h from Friday 2026-07-03" in one.stderr
    two = _fleet("simulate", *args, "--workers", "2", "--sessions", str(tmp_path / "two.csv"))
    assert two.returncode == 0, two.stderr
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    config = json.loads((tmp_path / "one.json").read_text())["config"]
    assert (config["hours"], config["start_date"], config["start_weekday"]) == (168.0, "2026-07-03", "Friday")
    assert re.search(r"load: peak [\d.]+ kW at (day [2-7] )?\d\d:\d\d", one.stdout)
    assert re.search(r"at day [2-7] \d\d:\d\d", one.stdout)  # a peak after the first day says which


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site-cap", "nowhere=5"], "--site-cap: profile 'workplace' has no station type 'nowhere'"),
        (["--site-cap", "=5"], "--site-cap: expected KW or TYPE=KW, got '=5'"),
        (["--site-cap", "x=-1"], "--site-cap: must be a finite number greater than 0"),
        (["--start-date", "2026-13-01"], "--start-date: expected a date YYYY-MM-DD, got '2026-13-01'"),
        (["--model", "frames", "--sessions", "s.csv"], "--sessions needs the session model"),
        (["--days", "0"], "--days: must be at least 1"),
        (["--duration", "0d"], "--duration: expected a duration such as 90m, 24h, 1h30m, 7d or 2w, got '0d'"),
    ],
)
def test_bad_planning_options_are_refused_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [*FLEET, "simulate", "--profile", "workplace", "--stations", "2", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr.strip().splitlines()[-1]  # one line (argparse prints its usage above)


def test_site_cap_needs_a_profile() -> None:
    done = _fleet("simulate", "--stations", "2", "--site-cap", "10")
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "fleet simulate: error: --site-cap caps a profile's stations: use it with --profile"
    )


def test_without_records_the_forecast_is_the_same_and_the_sessions_file_is_refused(tmp_path: Path) -> None:
    config = SimulationConfig(hours=24.0, seed=6, profile_name="residential", model="sessions")
    kept = build_forecast(config, run_session_model(config, "residential", 15, 6), 15)
    lean = build_forecast(config, run_session_model(config, "residential", 15, 6, keep_records=False), 15)
    assert forecast_json(kept) == forecast_json(lean)
    assert write_sessions_csv(kept, tmp_path / "kept.csv") > 0
    with pytest.raises(ValueError, match="kept no per-driver records"):
        write_sessions_csv(lean, tmp_path / "lean.csv")


def test_every_evse_taken_is_where_the_occupied_spans_of_all_evses_overlap() -> None:
    def visit(evse_id: int, arrival: float, until: float) -> VisitRecord:
        return VisitRecord(evse_id, arrival, "EV", 50.0, plug_in_s=arrival, plug_out_s=until)

    visits = [visit(1, 0.0, 100.0), visit(2, 50.0, 150.0), visit(1, 100.0, 120.0), visit(2, 200.0, 900.0)]
    # EVSE 1 is free again at 100 and taken at once by the next driver: one period, not two
    assert every_evse_taken(visits, 2, 1_000.0) == [(50.0, 120.0)]
    assert every_evse_taken(visits, 1, 500.0) == [(0.0, 150.0), (200.0, 500.0)]
    assert every_evse_taken(visits, 3, 1_000.0) == []
