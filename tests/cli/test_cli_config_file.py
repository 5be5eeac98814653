"""`--config FILE`: a whole run in one TOML file, command-line options win (issue 18, finding 6).

Before: every option had to be typed (or scripted) on the command line; there was no file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from fleet.cli._main import _parse

FLEET = [sys.executable, "-m", "fleet"]
# no FLEET_* variable of the caller's shell leaks into a test
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("FLEET_")}


def _toml(tmp_path: Path, text: str) -> str:
    path = tmp_path / "nightly.toml"
    path.write_text(text)
    return str(path)


@pytest.fixture(autouse=True)
def _no_fleet_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FLEET_"):
            monkeypatch.delenv(key)


async def _fleet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process(
            [*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False, env=env or CLEAN_ENV
        )


def test_file_values_become_the_options(tmp_path: Path) -> None:
    config = _toml(
        tmp_path,
        'stations = 7\nduration = "10m"\nprofile = "workplace"\nramp_over = "1m"\ninsecure = true\n'
        'slo = ["p99(TransactionEvent) < 300ms", "error_rate < 0.1%"]\n'
        'tag = { nightly = "true", build = "1234" }\nout = "results.json"\n'
        'start = 2026-12-01T06:00:00Z\ncsms-heartbeat-interval = "1m"\n',
    )
    ns = _parse(["run", "--config", config])
    assert (ns.stations, ns.duration, ns.profile, ns.out, ns.insecure) == (
        7,
        600.0,
        "workplace",
        "results.json",
        True,
    )
    assert ns.ramp == pytest.approx(7 / 60)
    assert [slo.text for slo in ns.slo] == ["p99(TransactionEvent) < 300ms", "error_rate < 0.1%"]
    assert ns.tag == [("nightly", "true"), ("build", "1234")]
    assert ns.start == 1796104800.0
    assert ns.csms_heartbeat_interval == 60


def test_the_command_line_wins_and_replaces_repeatable_options(tmp_path: Path) -> None:
    config = _toml(
        tmp_path, 'stations = 7\nduration = "10m"\ntags = ["a=1", "b=2"]\nramp = 5\nslo = ["errors == 0"]\n'
    )
    ns = _parse(["run", "--config", config, "--stations", "3", "--ramp-over", "3s", "--slo", "dropped == 0"])
    assert (ns.stations, ns.duration, ns.ramp) == (3, 600.0, 1.0)
    assert [slo.text for slo in ns.slo] == ["dropped == 0"]  # replaced, not added to
    assert _parse(["run", "--config", config]).tag == [("a", "1"), ("b", "2")]


def test_command_line_tags_are_added_to_the_files_and_win_per_key(tmp_path: Path) -> None:
    """As k6's --tag adds to its options' tags: a nightly file names the suite, CI adds the build."""
    config = _toml(tmp_path, 'tag = { suite = "nightly", build = "0" }\n')
    ns = _parse(["run", "--config", config, "--tag", "build=1234", "--tag", "branch=main"])
    assert ns.tag == [("suite", "nightly"), ("build", "1234"), ("branch", "main")]


def test_csms_and_simulate_take_a_config_file_too(tmp_path: Path) -> None:
    config = _toml(tmp_path, 'port = 0\nresponse_delay = "20ms"\nsecurity-profile = 1\npassword = "pw"\n')
    ns = _parse(["csms", "--config", config])
    assert (ns.port, ns.response_delay, ns.security_profile, ns.password) == (0, 0.02, 1, "pw")
    forecast = _toml(tmp_path, 'stations = 10\nduration = "2h"\nramp-over = "30s"\nprofile = "workplace"\n')
    ns = _parse(["simulate", "--config", forecast])
    assert (ns.stations, ns.hours, ns.ramp_over) == (10, 2.0, 30.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("station = 3\n", "nightly.toml: unknown key 'station'; did you mean 'stations'?"),
        (
            'duration = "5x"\n',
            "nightly.toml: duration: expected a duration such as 90s, 5m or 1h30m, got '5x'",
        ),
        ("stations = 0\n", "nightly.toml: stations: must be at least 1"),
        ('insecure = "yes"\n', "nightly.toml: insecure: expected true or false, got 'yes'"),
        ("stations = [1, 2]\n", "nightly.toml: stations: expected one value"),
        ('ocpp = "3.0"\n', "nightly.toml: ocpp:"),
        (
            "security_profile = 7\n",
            "nightly.toml: security_profile: invalid choice '7' (choose from 0, 1, 2, 3)",
        ),
        (
            'ramp = 5\nramp-over = "1m"\n',
            "nightly.toml: 'ramp' and 'ramp-over' set the same option; keep one",
        ),
        ('tag = ["nokey"]\n', "nightly.toml: tag: expected KEY=VALUE"),
        ("stations = \n", "nightly.toml: not valid TOML"),
        ('config = "other.toml"\n', "nightly.toml: unknown key 'config'"),
    ],
)
def test_a_bad_file_is_refused_with_one_line_naming_file_and_key(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parse(["run", "--config", _toml(tmp_path, text)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "usage:" not in err and len(err.splitlines()) == 1


def test_a_missing_file_and_an_abbreviated_option_are_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _parse(["run", "--config", str(tmp_path / "none.toml")])
    assert f"--config {tmp_path / 'none.toml'}: cannot read: No such file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parse(["run", "--conf", _toml(tmp_path, "stations = 2\n")])
    assert "write --config FILE in full" in capsys.readouterr().err


async def test_fleet_run_from_a_config_file_with_an_override(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    config = _toml(
        tmp_path,
        f'stations = 2\nduration = "2s"\nramp = 50\ndrain-timeout = "1s"\nout = "{out}"\nseed = 4\n',
    )
    done = await _fleet("run", "--config", config, "--stations", "3")
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(out.read_text())
    assert result["stations"]["configured"] == 3
    assert result["seed"] == 4
    assert "3 stations -> the embedded CSMS, 2 s" in done.stderr.decode()


async def test_a_typo_in_the_file_exits_2_with_the_hint(tmp_path: Path) -> None:
    done = await _fleet("run", "--config", _toml(tmp_path, "station = 3\n"))
    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        f"fleet run: error: {tmp_path / 'nightly.toml'}: unknown key 'station'; did you mean 'stations'?"
    )
    done = await _fleet("simulate", "--config", _toml(tmp_path, 'hours = "a day"\n'))
    assert done.returncode == 2
    assert "nightly.toml: hours: expected a number, got 'a day'" in done.stderr.decode()
