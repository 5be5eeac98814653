"""The bundled profiles load and say what their names promise; finding and listing profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleet.behaviour import (
    Profile,
    ProfileError,
    arrivals_per_evse_day,
    bundled_profiles_dir,
    list_profiles,
    load_profile,
    mean,
    resolve_profile,
)

BUNDLED = ("residential", "workplace", "urban_public", "highway_dc", "fleet_depot")


def _bundled(name: str) -> Profile:
    return load_profile(bundled_profiles_dir() / f"{name}.toml")


def _peak_hour(curve: list[float]) -> int:
    return max(range(24), key=lambda hour: curve[hour])


def test_every_bundled_profile_loads() -> None:
    loaded = list_profiles()
    errors = [str(result) for _, result in loaded if isinstance(result, ProfileError)]
    assert errors == []
    assert {path.stem for path, _ in loaded} >= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profile_is_named_after_its_file_and_site(name: str) -> None:
    profile = _bundled(name)
    assert profile.name == name
    assert profile.site == name
    assert 5 <= len(profile.ev_models) <= 12  # a real catalogue, not a placeholder
    assert mean(profile.arrival_soc_percent) < mean(profile.target_soc_percent)


def test_residential_is_one_evse_with_evening_arrivals_and_overnight_dwell() -> None:
    profile = _bundled("residential")
    assert profile.arrivals is not None
    assert {t.evses for t in profile.station_types} == {1}
    assert {t.max_power_kw for t in profile.station_types} == {7.4, 11.0}
    assert 17 <= _peak_hour(profile.arrivals.weekday) <= 21
    assert 9.0 <= mean(profile.dwell_h) <= 13.0


def test_workplace_peaks_in_the_morning_and_is_empty_at_weekends() -> None:
    profile = _bundled("workplace")
    assert profile.arrivals is not None
    assert 7 <= _peak_hour(profile.arrivals.weekday) <= 9
    assert arrivals_per_evse_day(profile, "saturday") < 0.1 * arrivals_per_evse_day(profile, "weekday")
    assert arrivals_per_evse_day(profile, "sunday") < 0.1 * arrivals_per_evse_day(profile, "weekday")
    assert 7.0 <= mean(profile.dwell_h) <= 9.0


def test_urban_public_has_a_commuter_peak_an_evening_bump_and_more_misbehaviour() -> None:
    profile, workplace = _bundled("urban_public"), _bundled("workplace")
    assert profile.arrivals is not None and profile.dwell_by_arrival_hour is not None
    weekday = profile.arrivals.weekday
    assert _peak_hour(weekday) == 8  # EVnetNL: most weekday sessions start around 08:51
    assert max(weekday[17:21]) > max(weekday[10:16])
    assert 2.0 <= mean(profile.dwell_h) <= 4.0
    # evening arrivals stay the night, midday arrivals leave after an errand
    factors = profile.dwell_by_arrival_hour.weekday
    assert min(factors[18:22]) > 3 * max(factors[10:16])
    assert profile.misbehaviour.unplug_before_stop > workplace.misbehaviour.unplug_before_stop
    assert profile.authorization.rejected_token > workplace.authorization.rejected_token


def test_highway_hub_is_dc_with_short_stops_and_weekend_travel_peaks() -> None:
    profile = _bundled("highway_dc")
    assert profile.arrivals is not None and profile.arrivals.friday is not None
    assert {t.current for t in profile.station_types} == {"DC"}
    assert {t.max_power_kw for t in profile.station_types} == {150.0, 350.0}
    assert all(4 <= t.evses <= 8 for t in profile.station_types)
    # drivers leave when the EV is full plus a margin; dwell_h is the most they wait
    assert profile.dc_departure_margin_min is not None
    assert 5.0 <= mean(profile.dc_departure_margin_min) <= 30.0
    assert 12 <= _peak_hour(profile.arrivals.weekday) <= 13  # GRIDSERVE: busiest at midday
    assert sum(profile.arrivals.friday) > sum(profile.arrivals.weekday)
    assert sum(profile.arrivals.sunday) > sum(profile.arrivals.weekday)
    assert 12 <= _peak_hour(profile.arrivals.friday) <= 18
    assert all(ev.max_dc_kw > 0 and ev.dc_curve for ev in profile.ev_models)


def test_highway_curves_taper_above_their_knee() -> None:
    for ev in _bundled("highway_dc").ev_models:
        power = dict(ev.dc_curve)
        at_90 = next(kw for soc, kw in ev.dc_curve if soc >= 90)
        assert at_90 < 0.6 * max(power.values()), ev.name


def test_fleet_depot_returns_on_weekday_evenings() -> None:
    profile = _bundled("fleet_depot")
    assert profile.arrivals is None
    weekday_return = profile.scheduled_returns[0]
    assert weekday_return.at_h == 17.5
    assert weekday_return.days == ["mon", "tue", "wed", "thu", "fri"]
    leaves_at = (weekday_return.at_h + mean(profile.dwell_h)) % 24
    assert 5.0 <= leaves_at <= 7.0
    assert {(t.current, t.max_power_kw) for t in profile.station_types} == {("AC", 22.0), ("DC", 50.0)}


def test_resolve_profile_finds_a_bare_name_in_the_bundled_directory() -> None:
    assert resolve_profile("workplace") == bundled_profiles_dir() / "workplace.toml"
    assert resolve_profile("some/where.toml") == Path("some/where.toml")


def test_resolve_profile_names_the_available_ones_for_an_unknown_name() -> None:
    with pytest.raises(ProfileError) as raised:
        resolve_profile("moon_base")
    assert "moon_base" in str(raised.value)
    assert "available: fleet_depot, highway_dc" in str(raised.value)


def test_profiles_directory_can_be_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.toml").write_text(
        (bundled_profiles_dir() / "workplace.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "broken.toml").write_text('name = "broken"\n', encoding="utf-8")
    monkeypatch.setenv("FLEET_PROFILES_DIR", str(tmp_path))
    assert bundled_profiles_dir() == tmp_path
    assert resolve_profile("mine") == tmp_path / "mine.toml"
    results = dict(list_profiles())
    assert isinstance(results[tmp_path / "mine.toml"], Profile)
    broken = results[tmp_path / "broken.toml"]
    assert isinstance(broken, ProfileError) and broken.field == "description"


def test_listing_a_missing_directory_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="FLEET_PROFILES_DIR"):
        list_profiles(tmp_path / "absent")
