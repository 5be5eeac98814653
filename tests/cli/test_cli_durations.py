"""Durations everywhere a time is taken: 90, 90s, 250ms, 5m, 1h30m (issue 18, finding 6)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st

from fleet.cli import _arguments as arg
from fleet.cli import build_parser
from fleet.cli._main import _build, _parse


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("250ms", 0.25),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("2.5", 2.5),
        (" 10s ", 10.0),
    ],
)
def test_duration_reads_numbers_and_units(text: str, seconds: float) -> None:
    assert arg.duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5x", "expected a duration such as 90s, 5m or 1h30m, got '5x'"),
        ("5 m", "expected a duration such as 90s, 5m or 1h30m, got '5 m'"),
        ("", "expected a duration"),
        ("inf", "expected a duration"),
        ("nan", "expected a duration"),
        ("-5s", "must not be negative, got '-5s'"),
        ("0", "must be a duration greater than 0, got '0'"),
    ],
)
def test_a_bad_duration_says_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        arg.duration(text)


def test_zero_is_a_non_negative_duration() -> None:
    assert arg.non_negative_duration("0") == 0.0
    assert arg.non_negative_duration("0s") == 0.0


@given(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999), st.booleans())
def test_any_combination_of_units_adds_up(
    hours: int, minutes: int, seconds: int, ms: int, bare: bool
) -> None:
    text = f"{hours}h{minutes}m{seconds}s{ms}ms"
    expected = hours * 3600 + minutes * 60 + seconds + ms / 1000
    assert arg.non_negative_duration(text) == pytest.approx(expected)
    if bare:
        assert arg.non_negative_duration(str(expected)) == pytest.approx(expected)


@given(st.text(alphabet="0123456789hmsx. -", max_size=8))
def test_any_text_is_a_duration_or_one_clear_error(text: str) -> None:
    try:
        seconds = arg.non_negative_duration(text)
    except argparse.ArgumentTypeError as exc:
        assert repr(text) in str(exc)
    else:
        assert seconds >= 0


def test_whole_seconds_for_intervals() -> None:
    assert arg.whole_seconds("5m") == 300
    assert arg.whole_seconds("0") == 0
    assert arg.positive_whole_seconds("300") == 300
    with pytest.raises(argparse.ArgumentTypeError, match="whole number of seconds"):
        arg.whole_seconds("250ms")
    with pytest.raises(argparse.ArgumentTypeError, match="at least 1 second"):
        arg.positive_whole_seconds("0s")


@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (["run", "--duration", "5m"], "duration", 300.0),
        (["run", "--idle-mean", "2m"], "idle_mean", 120.0),
        (["run", "--charge-mean", "1h"], "charge_mean", 3600.0),
        (["run", "--connect-timeout", "500ms"], "connect_timeout", 0.5),
        (["run", "--drain-timeout", "0s"], "drain_timeout", 0.0),
        (["run", "--csms-response-delay", "20ms"], "csms_response_delay", 0.02),
        (["run", "--csms-heartbeat-interval", "5m"], "csms_heartbeat_interval", 300),
        (["csms", "--response-delay", "1s"], "response_delay", 1.0),
        (["csms", "--heartbeat-interval", "1m"], "heartbeat_interval", 60),
        (["csms", "--handshake-timeout", "3s"], "handshake_timeout", 3.0),
        (["csms", "--auth-failure-window", "2m"], "auth_failure_window", 120.0),
        (["simulate", "--duration", "90m"], "hours", 1.5),
        (["simulate", "--ramp-over", "2m"], "ramp_over", 120.0),
        (["simulate", "--heartbeat-interval", "2m"], "heartbeat_interval", 120),
        (["simulate", "--meter-interval", "1m"], "meter_interval", 60),
        (["simulate", "--aligned-interval", "15m"], "aligned_interval", 900),
        (["chaos", "--target", "127.0.0.1:9", "--latency", "50ms"], "latency", 0.05),
    ],
)
def test_every_command_takes_durations(argv: list[str], dest: str, value: float) -> None:
    assert vars(build_parser().parse_args(argv))[dest] == pytest.approx(value)


def test_run_ramp_over_is_a_rate_once_the_stations_are_known() -> None:
    ns = _parse(["run", "--ramp-over", "10s", "--stations", "50"])
    assert ns.ramp == 5.0
    assert _parse(["run", "--stations", "50"]).ramp == 25.0


def test_simulate_ramp_over_defaults_to_a_minute() -> None:
    assert _parse(["simulate"]).ramp_over == 60.0


def test_help_says_duration() -> None:
    for command in ("run", "csms", "simulate"):
        text = _build()[1][command].format_help()
        assert "SECONDS" not in text and "DURATION" in text


FLEET = [sys.executable, "-m", "fleet"]


async def _fleet(*args: str) -> tuple[int, str]:
    with trio.fail_after(60):
        done = await trio.run_process([*FLEET, *args], capture_stderr=True, capture_stdout=True, check=False)
    return done.returncode, done.stderr.decode()


async def test_fleet_run_with_durations_and_ramp_over(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, err = await _fleet(
        "run", "--stations", "2", "--duration", "2s", "--ramp-over", "500ms", "--drain-timeout", "500ms",
        "--connect-timeout", "5s", "--idle-mean", "1m", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert "2 stations -> the embedded CSMS, 2 s, ramp 4/s" in err
    assert json.loads(out.read_text())["actions"]["BootNotification"]["ok"] == 2


async def test_fleet_simulate_ramp_over_and_its_old_ramp_refused(tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    code, err = await _fleet(
        "simulate", "--stations", "3", "--duration", "1h", "--ramp-over", "30s", "--out", str(out)
    )
    assert code == 0, err
    assert json.loads(out.read_text())["config"]["ramp_s"] == 30.0
    code, err = await _fleet("simulate", "--ramp", "60")
    assert code == 2
    assert err.splitlines()[-1] == (
        "fleet simulate: error: argument --ramp: --ramp is stations per second in every command now; "
        "to spread the connects over a time as `fleet simulate --ramp SECONDS` did, write --ramp-over 60s"
    )
