"""`fleet profiles list` and `fleet profiles check`, driven through their own parser."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from fleet.behaviour import bundled_profiles_dir
from fleet.cli._profiles import add_profiles_command, run_profiles


def _run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="fleet")
    add_profiles_command(parser.add_subparsers(dest="command", required=True))
    out, err = io.StringIO(), io.StringIO()
    status = run_profiles(parser.parse_args(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_list_shows_every_bundled_profile_with_its_summary() -> None:
    status, out, err = _run("profiles", "list")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == [
        "NAME",
        "SITE",
        "STATION",
        "TYPES",
        "EVSES/STATION",
        "ARRIVALS/EVSE/WEEKDAY",
        "FILE",
    ]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) >= {"residential", "workplace", "urban_public", "highway_dc", "fleet_depot"}
    assert "AC 11 kW x2 60%, AC 22 kW x2 40%" in rows["workplace"]
    assert "4-8" in rows["highway_dc"]
    assert rows["workplace"].rstrip().endswith(str(bundled_profiles_dir() / "workplace.toml"))


def test_list_shows_an_invalid_profile_with_its_error(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(
        (bundled_profiles_dir() / "residential.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "bad.toml").write_text("name = 1\n", encoding="utf-8")
    status, out, _ = _run("profiles", "list", "--dir", str(tmp_path))
    assert status == 1
    bad_line = next(line for line in out.splitlines() if line.startswith("bad"))
    assert f"INVALID: {tmp_path / 'bad.toml'}: field name: expected a string, found 1 (line 1)" in bad_line
    assert any(line.startswith("residential ") for line in out.splitlines())


def test_check_a_bundled_profile_by_name() -> None:
    status, out, err = _run("profiles", "check", "highway_dc")
    assert (status, err) == (0, "")
    assert out.startswith(f"{bundled_profiles_dir() / 'highway_dc.toml'}: ok — highway_dc (highway_dc): ")
    assert "11 EV models" in out
    # a DC site's dwell_h is the longest a driver waits, not the stay: the line says so
    assert "min after the target SoC (at most " in out and "mean dwell" not in out
    status, out, err = _run("profiles", "check", "workplace")
    assert status == 0 and "mean dwell " in out


def test_check_a_bad_file_prints_the_error_on_stderr_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text("name = \n", encoding="utf-8")
    status, out, err = _run("profiles", "check", str(bad))
    assert (status, out) == (1, "")
    assert err == f"{bad}: line 1, column 8: invalid TOML: Invalid value\n"


def test_check_an_unknown_name_fails_naming_the_bundled_ones() -> None:
    status, _, err = _run("profiles", "check", "moon_base")
    assert status == 1
    assert "no bundled profile of that name" in err and "workplace" in err


def test_profiles_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _run("profiles")
    assert exit_info.value.code == 2
    assert "ACTION" in capsys.readouterr().err
