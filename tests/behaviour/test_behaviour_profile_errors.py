"""A bad profile gives one line naming the file, the field path, what was expected and what was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleet.behaviour import ProfileError, load_profile, parse_profile

VALID = """
name = "tiny"
description = "a minimal valid profile"
site = "workplace"
dwell_h = { kind = "lognormal", median = 8.0, sigma = 0.3 }
arrival_soc_percent = { kind = "uniform", low = 20.0, high = 60.0 }
target_soc_percent = { kind = "fixed", value = 80.0 }

[[station_types]]
name = "AC 11"
share = 0.5
evses = 2
current = "AC"
max_power_kw = 11.0

[[station_types]]
name = "DC 50"
share = 0.5
evses = 1
current = "DC"
max_power_kw = 50.0

[arrivals]
weekday = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
           0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
saturday = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
sunday = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

[[ev_models]]
name = "DC car"
share = 1.0
battery_kwh = 60.0
max_ac_kw = 11.0
max_dc_kw = 100.0
dc_curve = [[0, 80], [50, 100], [100, 10]]
"""


def _error(text: str, tmp_path: Path) -> ProfileError:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert raised.value.path == path
    return raised.value


def _replace(old: str, new: str) -> str:
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


def test_the_base_profile_is_valid() -> None:
    profile = parse_profile(VALID, "tiny.toml")
    assert [t.evses for t in profile.station_types] == [2, 1]
    assert profile.ev_models[0].dc_curve == [(0, 80), (50, 100), (100, 10)]


@pytest.mark.parametrize(
    ("old", "new", "field", "expected", "found"),
    [
        pytest.param(
            "evses = 2", 'evses = "two"', "station_types[0].evses", "an integer", '"two"', id="wrong type"
        ),
        pytest.param(
            "evses = 2", "evses = 0", "station_types[0].evses", "an integer >= 1", "0", id="out of range"
        ),
        pytest.param('name = "tiny"\n', "", "name", "a string", "missing", id="missing field at top level"),
        pytest.param(
            "max_power_kw = 50.0\n",
            "",
            "station_types[1].max_power_kw",
            "a number > 0",
            "missing",
            id="missing",
        ),
        pytest.param(
            "evses = 2",
            "evse = 2",
            "station_types[0].evse",
            "one of the known fields name, share, evses, current, max_power_kw, phases, cable_limit_kw, "
            'vendor, model, firmware (did you mean "evses"?)',
            "2",
            id="unknown field",
        ),
        pytest.param('site = "workplace"', 'site = "mall"', "site", None, '"mall"', id="bad enum"),
        pytest.param(
            'kind = "lognormal"',
            'kind = "gamma"',
            "dwell_h.kind",
            'one of "fixed", "uniform", "normal", "lognormal", "exponential"',
            '"gamma"',
            id="bad kind of distribution",
        ),
        pytest.param(
            '{ kind = "fixed", value = 80.0 }',
            "{ value = 80.0 }",
            "target_soc_percent.kind",
            'one of "fixed", "uniform", "normal", "lognormal", "exponential"',
            "missing",
            id="distribution without kind",
        ),
        pytest.param(
            "median = 8.0, sigma = 0.3",
            "median = 8.0, sigm = 0.3",
            "dwell_h.sigm",
            'one of the known fields kind, min, max, median, sigma (did you mean "sigma"?)',
            "0.3",
            id="unknown distribution parameter",
        ),
        pytest.param(
            "[[0, 80], [50, 100], [100, 10]]",
            '[[0, 80], [50, "lots"], [100, 10]]',
            "ev_models[0].dc_curve[1][1]",
            "a number",
            '"lots"',
            id="wrong type deep in a curve",
        ),
        pytest.param(
            "sunday = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]",
            "sunday = [0, 0]",
            "arrivals.sunday",
            "an array of length >= 24",
            "[0, 0]",
            id="curve of the wrong length",
        ),
        pytest.param(
            "share = 0.5\nevses = 1",
            "share = 0.4\nevses = 1",
            "station_types[*].share",
            "shares that sum to 1 (±0.001); adjust them",
            "0.9 = 0.5 + 0.4",
            id="shares not summing to 1",
        ),
        pytest.param(
            "[[0, 80], [50, 100], [100, 10]]",
            "[[0, 80], [50, 100], [40, 90], [100, 10]]",
            "ev_models[0].dc_curve[2]",
            "a SoC above the previous point's 50 (points ascending in SoC)",
            "[40, 90]",
            id="dc_curve not ascending",
        ),
        pytest.param(
            "[[0, 80], [50, 100], [100, 10]]",
            "[[5, 80], [50, 100], [100, 10]]",
            "ev_models[0].dc_curve[0]",
            "a first point at 0 % SoC",
            "[5, 80]",
            id="dc_curve not starting at 0",
        ),
        pytest.param(
            "[[0, 80], [50, 100], [100, 10]]",
            "[[0, 80], [50, 120], [100, 10]]",
            "ev_models[0].dc_curve[1]",
            "a power at most max_dc_kw = 100 kW",
            "[50, 120]",
            id="dc_curve above the EV's maximum",
        ),
        pytest.param(
            'name = "DC 50"',
            'name = "AC 11"',
            "station_types[1].name",
            "a name not already used by station_types[0]",
            '"AC 11"',
            id="duplicate names",
        ),
        pytest.param(
            "max_dc_kw = 100.0\ndc_curve = [[0, 80], [50, 100], [100, 10]]",
            "",
            "station_types[1].current",
            "an EV model with max_dc_kw > 0 in ev_models, or no DC station type (no EV could charge)",
            '"DC"',
            id="DC station without a DC-capable EV",
        ),
        pytest.param(
            "median = 8.0, sigma = 0.3",
            "median = 8.0, sigma = 0.3, min = 5.0, max = 2.0",
            "dwell_h.max",
            "a max >= min (5)",
            "2",
            id="distribution min above max",
        ),
        pytest.param(
            '{ kind = "lognormal", median = 8.0, sigma = 0.3 }',
            '{ kind = "normal", mean = 8.0, sd = 2.0 }',
            "dwell_h.min",
            "a min >= 0: a duration cannot be negative, and this distribution can draw below 0",
            "missing",
            id="duration that can be negative",
        ),
        pytest.param(
            '{ kind = "fixed", value = 80.0 }',
            '{ kind = "normal", mean = 80.0, sd = 10.0, max = 100.0 }',
            "target_soc_percent",
            "values within 0..100 % (set min and max on an unbounded distribution)",
            "range -inf..100",
            id="SoC distribution not bounded",
        ),
    ],
)
def test_error_names_field_expected_and_found(
    old: str, new: str, field: str, expected: str | None, found: str, tmp_path: Path
) -> None:
    error = _error(_replace(old, new), tmp_path)
    assert error.field == field
    assert error.found == found
    if expected is not None:
        assert error.expected == expected
    where = f" (line {error.line})" if error.line is not None else ""
    assert (
        str(error)
        == f"{tmp_path / 'bad.toml'}: field {field}: expected {error.expected}, found {found}{where}"
    )


@pytest.mark.parametrize(
    ("old", "new", "line_starting"),
    [
        pytest.param("evses = 2", 'evses = "two"', "evses =", id="the key's own line"),
        pytest.param(
            "[[0, 80], [50, 100], [100, 10]]",
            "[[0, 80], [50, 100], [40, 90], [100, 10]]",
            "dc_curve",
            id="array",
        ),
        pytest.param(
            "max_power_kw = 50.0\n", "", '[[station_types]]\nname = "DC 50"', id="missing: its table"
        ),
        pytest.param("median = 8.0, sigma = 0.3", "median = 8.0, sigm = 0.3", "dwell_h", id="inline table"),
    ],
)
def test_error_gives_the_line_when_it_can(old: str, new: str, line_starting: str, tmp_path: Path) -> None:
    text = _replace(old, new)
    expected_line = text.index(line_starting)
    error = _error(text, tmp_path)
    assert error.line == text.count("\n", 0, expected_line) + 1
    assert str(error).endswith(f" (line {error.line})")


def test_no_line_for_a_field_that_is_nowhere_in_the_file(tmp_path: Path) -> None:
    error = _error(_replace('name = "tiny"\n', ""), tmp_path)
    assert error.line is None
    assert str(error).endswith("found missing")


_ARRIVALS_BLOCK = VALID[VALID.index("[arrivals]") : VALID.index("[[ev_models]]")]
_DEPOT_RETURN = '[[scheduled_returns]]\nat_h = 17.5\nspread_min = 30.0\ndays = ["mon", "fri"]\n\n'


def test_a_profile_needs_arrivals_or_scheduled_returns(tmp_path: Path) -> None:
    error = _error(_replace(_ARRIVALS_BLOCK, ""), tmp_path)
    assert (error.field, error.found) == ("arrivals", "missing")
    assert error.expected == "an [arrivals] table or at least one [[scheduled_returns]]"


def test_scheduled_returns_alone_or_with_arrivals_are_valid() -> None:
    depot = parse_profile(_replace(_ARRIVALS_BLOCK, _DEPOT_RETURN))
    assert depot.arrivals is None and depot.scheduled_returns[0].days == ["mon", "fri"]
    both = parse_profile(_replace(_ARRIVALS_BLOCK, _DEPOT_RETURN + _ARRIVALS_BLOCK))
    assert both.arrivals is not None and len(both.scheduled_returns) == 1


def test_bad_enum_lists_the_choices(tmp_path: Path) -> None:
    error = _error(_replace('current = "AC"', 'current = "ac"'), tmp_path)
    line = VALID.splitlines().index('current = "AC"') + 1
    assert str(error) == (
        f"{tmp_path / 'bad.toml'}: field station_types[0].current: "
        f'expected one of "AC", "DC", found "ac" (line {line})'
    )


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    line = VALID.splitlines().index("evses = 2") + 1
    error = _error(_replace("evses = 2", "evses = "), tmp_path)
    assert (error.line, error.column) == (line, 9)
    assert str(error) == f"{tmp_path / 'bad.toml'}: line {line}, column 9: invalid TOML: Invalid value"


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert str(raised.value).startswith(f"{path}: no such profile file")
    assert raised.value.found == "no such file"


def test_a_long_value_is_shortened_to_one_line(tmp_path: Path) -> None:
    long_curve = "[" + ", ".join(["0.5"] * 25) + "]"
    old = "sunday = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
    error = _error(_replace(old, f"sunday = {long_curve}"), tmp_path)
    assert error.expected == "an array of length <= 24"
    assert error.found is not None and error.found.endswith("...") and len(error.found) <= 60
    assert "\n" not in str(error)
