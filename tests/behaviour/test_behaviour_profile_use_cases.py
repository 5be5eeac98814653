"""The profile fields of issue 20's station-side use cases: ``faults.lock_failures_per_session``
and ``[data_transfer]``: defaults off, bad values refused at load with one line naming the file,
the field, what was expected and what was found, and the line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fleet.behaviour import ProfileError, bundled_profiles_dir, load_profile
from fleet.cli._exit_codes import ExitCode

_BASE = (bundled_profiles_dir() / "urban_public.toml").read_text(encoding="utf-8")
_FAULT_LINE = "connector_faults_per_evse_day = 0.01\n"


def _with(faults_line: str = "", data_transfer: str = "") -> str:
    assert _FAULT_LINE in _BASE
    text = _BASE.replace(_FAULT_LINE, _FAULT_LINE + faults_line)
    return text + (f"\n[data_transfer]\n{data_transfer}" if data_transfer else "")


def test_the_bundled_profiles_have_neither_by_default() -> None:
    for path in sorted(bundled_profiles_dir().glob("*.toml")):
        profile = load_profile(path)
        assert profile.faults.lock_failures_per_session == 0.0, path
        assert profile.data_transfer.per_station_hour == 0.0, path


def test_valid_values_load(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        _with(
            "lock_failures_per_session = 0.05\n",
            'per_station_hour = 0.5\nvendor_id = "com.example"\nmessage_id = "Diag"\ndata = "{}"\n',
        ),
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.faults.lock_failures_per_session == 0.05
    transfer = profile.data_transfer
    assert (transfer.per_station_hour, transfer.vendor_id, transfer.message_id, transfer.data) == (
        0.5,
        "com.example",
        "Diag",
        "{}",
    )


@pytest.mark.parametrize(
    ("faults_line", "data_transfer", "message"),
    [
        pytest.param(
            "lock_failures_per_session = 1.5\n",
            "",
            "field faults.lock_failures_per_session: expected a number <= 1.0, found 1.5",
            id="lock failure share above 1",
        ),
        pytest.param(
            "lock_failures_per_session = -0.1\n",
            "",
            "field faults.lock_failures_per_session: expected a number >= 0.0, found -0.1",
            id="lock failure share below 0",
        ),
        pytest.param(
            "",
            "per_station_hour = -1\n",
            "field data_transfer.per_station_hour: expected a number >= 0.0, found -1",
            id="negative DataTransfer rate",
        ),
        pytest.param(
            "",
            'vendor_id = ""\n',
            'field data_transfer.vendor_id: expected a string of length >= 1, found ""',
            id="empty vendor id",
        ),
        pytest.param(
            "",
            f'message_id = "{"m" * 51}"\n',
            "field data_transfer.message_id: expected a string of length <= 50",
            id="message id too long",
        ),
        pytest.param(
            "",
            "rate = 1\n",
            "field data_transfer.rate: expected one of the known fields per_station_hour, vendor_id, "
            "message_id, data",
            id="unknown field",
        ),
    ],
)
def test_bad_values_are_refused_naming_file_field_and_line(
    faults_line: str, data_transfer: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_with(faults_line, data_transfer), encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    text = str(raised.value)
    assert text.startswith(f"{path}: {message}"), text
    assert "(line " in text and "\n" not in text


def test_fleet_run_refuses_a_bad_lock_failure_share_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_with("lock_failures_per_session = 2\n"), encoding="utf-8")
    line = _with("lock_failures_per_session = 2\n").splitlines().index("lock_failures_per_session = 2") + 1
    done = subprocess.run(
        [sys.executable, "-m", "fleet", "run", "--profile", str(path), "--stations", "1", "--duration", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == ExitCode.BAD_INPUT, done.stderr
    assert (
        f"{path}: field faults.lock_failures_per_session: expected a number <= 1.0, found 2 (line {line})"
        in done.stderr
    )
    assert done.stdout == ""
