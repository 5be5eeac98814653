"""Issue 17, finding 7, as a user meets it: a TLS file problem is one line naming the option and
the file, exit 2, before any station connects (it used to read "cannot reach the CSMS: No such
file or directory", exit 1, once a station had connected)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import trio
import trustme

from fleet.cli._exit_codes import ExitCode

FLEET = [sys.executable, "-m", "fleet"]
# nothing listens there: a check that waited for a connect would report "connection refused"
NOWHERE = "wss://127.0.0.1:9/ocpp"


async def _fleet(*args: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(60):
        return await trio.run_process([*FLEET, *args], capture_stdout=True, capture_stderr=True, check=False)


def _one_error_line(done: subprocess.CompletedProcess[bytes]) -> str:
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.BAD_INPUT, stderr
    (line,) = stderr.splitlines()
    return line


async def test_a_missing_ca_file_is_named_at_start(tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    done = await _fleet(
        "run", "--csms", NOWHERE, "--security-profile", "2", "--password", "pw", "--ca-file", str(ca_file)
    )
    assert _one_error_line(done) == f"fleet run: error: --ca-file {ca_file}: no such file"


async def test_a_ca_file_without_a_certificate_is_named_at_start(tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("")
    done = await _fleet(
        "run", "--csms", NOWHERE, "--security-profile", "2", "--password", "pw", "--ca-file", str(ca_file)
    )
    assert _one_error_line(done) == (
        f"fleet run: error: --ca-file {ca_file}: holds no certificate "
        "(expected PEM '-----BEGIN CERTIFICATE-----' blocks)"
    )


async def test_more_stations_than_client_certificates_is_refused_at_start(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    for n in range(2):
        station_id = f"SIM-{n:05}"
        leaf = ca.issue_cert(station_id, common_name=station_id)
        leaf.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / f"{station_id}.pem"))
    pattern = f"{tmp_path}/{{station_id}}.pem"
    done = await _fleet(
        "run",
        *("--csms", NOWHERE, "--security-profile", "3", "--ca-file", str(tmp_path / "ca.pem")),
        *("--client-cert-pattern", pattern, "--stations", "3"),
    )
    assert _one_error_line(done) == (
        f"fleet run: error: --client-cert-pattern {pattern!r} gives {tmp_path}/SIM-00002.pem for station "
        "#3 of 3, which does not exist: there are files for the first 2 stations only; pass --stations 2 "
        "or add the missing files"
    )


async def test_fleet_csms_names_a_missing_certificate_at_start(tmp_path: Path) -> None:
    cert = tmp_path / "csms.pem"
    done = await _fleet(
        "csms", "--port", "0", "--security-profile", "2", "--password", "pw", "--cert", str(cert)
    )
    line = _one_error_line(done)
    assert line.startswith(f"fleet csms: error: --cert/--key {cert}: ") and "No such file" in line
