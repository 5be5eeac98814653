"""FLEET_CSMS_URL, FLEET_PASSWORD, FLEET_PASSWORD_PATTERN: the CSMS URL and secrets from the
environment, so passwords stay out of shell history (issue 18, finding 6). Precedence: the command
line, then the variable, then a --config file, then the default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from fleet.cli._environment import ENVIRONMENT, secret_option_names
from fleet.cli._main import _build, _parse
from fleet.cli._option_values import long_options

FLEET = [sys.executable, "-m", "fleet"]
URL = "ws://127.0.0.1:9/ocpp"


@pytest.fixture(autouse=True)
def _no_fleet_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FLEET_"):
            monkeypatch.delenv(key)


def test_the_variables_fill_options_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_CSMS_URL", URL)
    monkeypatch.setenv("FLEET_PASSWORD", "hunter2")
    monkeypatch.setenv("FLEET_PASSWORD_PATTERN", "pw-{station_id}")
    ns = _parse(["run"])
    assert (ns.csms, ns.password, ns.password_pattern) == (URL, "hunter2", "pw-{station_id}")
    assert _parse(["csms"]).password == "hunter2"


def test_command_line_then_variable_then_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('csms = "ws://file.example/ocpp"\npassword = "from-file"\n')
    assert _parse(["run", "--config", str(config)]).csms == "ws://file.example/ocpp"
    monkeypatch.setenv("FLEET_CSMS_URL", URL)
    monkeypatch.setenv("FLEET_PASSWORD", "from-env")
    ns = _parse(["run", "--config", str(config)])
    assert (ns.csms, ns.password) == (URL, "from-env")
    ns = _parse(["run", "--config", str(config), "--csms", "ws://cli.example/ocpp", "--password", "cli"])
    assert (ns.csms, ns.password) == ("ws://cli.example/ocpp", "cli")


def test_an_empty_variable_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_CSMS_URL", "")
    assert _parse(["run"]).csms is None


def test_a_bad_variable_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLEET_CSMS_URL", "http://127.0.0.1:9000")
    with pytest.raises(SystemExit) as exit_info:
        _parse(["run"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "fleet run: error: FLEET_CSMS_URL: 'http://127.0.0.1:9000': the CSMS URL must start with ws:// "
        "or wss:// (e.g. ws://127.0.0.1:9000/ocpp)\n"
    )


def test_every_variable_names_an_option_of_its_command_and_secrets_are_listed() -> None:
    commands = _build()[1]
    for command, variables in ENVIRONMENT.items():
        assert set(variables) <= {f"--{name}" for name in long_options(commands[command])}
    assert {"--password", "--password-pattern", "--fleet-password"} <= secret_option_names()
    assert "--csms" not in secret_option_names()


async def test_help_and_errors_never_show_the_secret() -> None:
    env = {**os.environ, "FLEET_PASSWORD": "hunter2-secret", "FLEET_CSMS_URL": "ws://127.0.0.1:1/ocpp"}
    with trio.fail_after(60):
        shown = await trio.run_process(
            [*FLEET, "run", "--help"], capture_stdout=True, capture_stderr=True, env=env, check=False
        )
        refused = await trio.run_process(
            [*FLEET, "run", "--stations", "0"], capture_stdout=True, capture_stderr=True, env=env, check=False
        )
    assert shown.returncode == 0 and "FLEET_PASSWORD" in shown.stdout.decode()
    assert refused.returncode == 2
    for done in (shown, refused):
        assert b"hunter2-secret" not in done.stdout + done.stderr


async def test_fleet_run_takes_the_csms_url_from_the_environment(unused_port: int) -> None:
    url = f"ws://127.0.0.1:{unused_port}/ocpp"
    env = {**os.environ, "FLEET_CSMS_URL": url}
    with trio.fail_after(60):
        done = await trio.run_process(
            [*FLEET, "run", "--stations", "1", "--duration", "1s"], capture_stderr=True, env=env, check=False
        )
    assert done.returncode == 1  # nobody listens there: the URL from the variable was used
    assert url in done.stderr.decode()


def test_fleet_locust_reads_the_password_from_the_environment() -> None:
    """In a subprocess, so Locust (and gevent) stay out of this test process."""
    script = (
        "from locust.argument_parser import get_empty_argument_parser\n"
        "from fleet.locust._options import add_fleet_arguments\n"
        "parser = get_empty_argument_parser()\n"
        "add_fleet_arguments(parser)\n"
        "given = parser.parse_args(['--fleet-password', 'cli'])\n"
        "print(parser.parse_args([]).fleet_password, given.fleet_password)\n"
    )
    env = {**os.environ, "FLEET_PASSWORD": "from-env"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["from-env", "cli"]
