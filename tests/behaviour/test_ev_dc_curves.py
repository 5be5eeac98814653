"""Each DC charging curve of the bundled EV catalogues against the published figures cited under
it in the profile file (``[[ev_models.dc_figures]]``): the minutes and the average power the
session physics give over the cited SoC window are within ``DC_FIGURE_TOLERANCE`` of the figure.
The numbers live in the profile; this test only reads them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import msgspec
import pytest

from fleet.behaviour import EvModel, load_profile
from fleet.behaviour._ev_catalogue import dc_window
from fleet.behaviour._ev_figures import DC_FIGURE_TOLERANCE, DcFigure
from fleet.behaviour._profile import bundled_profiles_dir

PROFILES = sorted(bundled_profiles_dir().glob("*.toml"))
# the DC hub is where the curves decide the stop: every DC model there must cite its figures
FULLY_CITED = ("highway_dc",)


def _figures() -> list[tuple[str, EvModel, DcFigure]]:
    return [
        (path.stem, model, figure)
        for path in PROFILES
        for model in load_profile(path).ev_models
        for figure in model.dc_figures
    ]


@pytest.mark.parametrize(
    ("profile", "model", "figure"),
    _figures(),
    ids=lambda value: value.name if isinstance(value, EvModel) else None,
)
def test_the_curve_gives_the_published_figure(profile: str, model: EvModel, figure: DcFigure) -> None:
    minutes, avg_kw = dc_window(model, figure.from_percent, figure.to_percent)
    window = f"{profile}: {model.name} {figure.from_percent:g}-{figure.to_percent:g} %"
    if figure.minutes is not None:
        assert abs(minutes - figure.minutes) <= DC_FIGURE_TOLERANCE * figure.minutes, (
            f"{window}: the curve takes {minutes:.1f} min, the source says {figure.minutes:g} "
            f"({figure.source})"
        )
    if figure.avg_kw is not None:
        assert abs(avg_kw - figure.avg_kw) <= DC_FIGURE_TOLERANCE * figure.avg_kw, (
            f"{window}: the curve averages {avg_kw:.0f} kW, the source says {figure.avg_kw:g} "
            f"({figure.source})"
        )


@pytest.mark.parametrize("name", FULLY_CITED)
def test_every_dc_curve_of_the_dc_hub_cites_a_figure_with_a_source_link(name: str) -> None:
    models = [m for m in load_profile(bundled_profiles_dir() / f"{name}.toml").ev_models if m.max_dc_kw > 0]
    assert models
    uncited = [m.name for m in models if not m.dc_figures]
    assert uncited == [], f"{name}: DC curves without a published figure: {uncited}"
    for model in models:
        for figure in model.dc_figures:
            assert "http" in figure.source, f"{model.name}: cite the link text of {figure.source!r}"


def test_a_curve_that_tapers_too_late_fails_its_figure() -> None:
    """The check has teeth: the ID.4 curve with its taper moved 20 points later is >10 % fast."""
    path = bundled_profiles_dir() / "highway_dc.toml"
    model = next(m for m in load_profile(path).ev_models if m.name == "Volkswagen ID.4 Pro")
    late = msgspec.structs.replace(
        model, dc_curve=[(min(soc + 20.0, 100.0) if 0 < soc < 100 else soc, kw) for soc, kw in model.dc_curve]
    )
    figure = next(f for f in model.dc_figures if f.minutes is not None)
    minutes, _ = dc_window(late, figure.from_percent, figure.to_percent)
    assert figure.minutes is not None and minutes < (1 - DC_FIGURE_TOLERANCE) * figure.minutes


def test_a_figure_without_minutes_or_power_or_with_an_empty_window_is_refused() -> None:
    text = (bundled_profiles_dir() / "highway_dc.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    first = data["ev_models"][0]
    for figure, message in (
        ({"from_percent": 80, "to_percent": 20, "minutes": 5.0, "source": "x"}, "must be above from_percent"),
        ({"from_percent": 10, "to_percent": 80, "source": "x"}, "give minutes, avg_kw or both"),
    ):
        with pytest.raises(msgspec.ValidationError, match=message):
            msgspec.convert({**first, "dc_figures": [figure]}, EvModel)


def test_dc_window_refuses_an_ac_only_model_or_a_backwards_window() -> None:
    ac_only = EvModel(name="zoe", share=1.0, battery_kwh=52.0, max_ac_kw=22.0)
    with pytest.raises(ValueError, match=r"dc_window\('zoe', 10, 80\): needs a DC inlet"):
        dc_window(ac_only, 10, 80)
    dc = EvModel(name="dc", share=1.0, battery_kwh=52.0, max_ac_kw=11.0, max_dc_kw=50.0)
    with pytest.raises(ValueError, match="from_percent < to_percent"):
        dc_window(dc, 80, 20)
    minutes, avg_kw = dc_window(dc, 20, 80)  # no curve: max_dc_kw flat to the CV knee at 80 %
    assert avg_kw == pytest.approx(50.0) and minutes == pytest.approx(0.6 * 52.0 / 0.95 / 50.0 * 60.0)


def test_fleet_profiles_check_names_a_figure_without_numbers_and_its_line(tmp_path: Path) -> None:
    text = (bundled_profiles_dir() / "highway_dc.toml").read_text(encoding="utf-8")
    bad = text.replace(
        'minutes = 31.0\nsource = "DrivingElectric, BMW i4', 'source = "DrivingElectric, BMW i4', 1
    )
    assert bad != text
    path = tmp_path / "bad_figures.toml"
    path.write_text(bad, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "fleet", "profiles", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"{path}: field ev_models[")
    assert "dc_figures[0]: expected dc_figures: give minutes, avg_kw or both" in line
    assert "(line " in line
