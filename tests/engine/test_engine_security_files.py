"""Issue 17, finding 7: TLS file problems are named at start, not met per connect.

Before: a missing --ca-file or client certificate read "cannot reach the CSMS: No such file or
directory" (exit 1) once the first station connected; an empty CA file the same way; a
certificate pattern with fewer files than stations failed station by station; and a CSMS whose
certificate had expired was answered with "give its CA with --ca-file" to a user who had.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
import trio
import trio.testing
from _engine_security_support import Pki, make_pki, run_small_fleet

from fleet.csms import CsmsSecurity, PasswordBook
from fleet.engine import CsmsUnreachable, FleetConfig
from fleet.identity import (
    ClientSecurity,
    SecuritySetupError,
    StationIdentities,
    check_tls_files,
    load_stations_file,
)

PATTERN = "{dir}/{{station_id}}.pem"


def _profile3(pki: Pki, **patterns: str) -> tuple[ClientSecurity, StationIdentities]:
    security = ClientSecurity(3, ca_file=pki.server_ca_file)
    identities = StationIdentities(
        id_pattern="SEC-{n:05}",
        client_cert_pattern=patterns.get("cert", PATTERN.format(dir=pki.directory)),
        client_key_pattern=patterns.get("key"),
    )
    return security, identities


def _refused(security: ClientSecurity, identities: StationIdentities | None, stations: int) -> str:
    with pytest.raises(SecuritySetupError) as caught:
        check_tls_files(security, identities, stations)
    return str(caught.value)


def test_usable_files_pass(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    for n in range(3):
        pki.station_cert(f"SEC-{n:05}")
    check_tls_files(*_profile3(pki), 3)


def test_a_missing_ca_file_names_the_option_and_the_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pem")
    assert _refused(ClientSecurity(2, ca_file=missing), None, 1) == f"--ca-file {missing}: no such file"


def test_a_ca_file_without_a_certificate_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    assert _refused(ClientSecurity(2, ca_file=str(empty)), None, 1) == (
        f"--ca-file {empty}: holds no certificate (expected PEM '-----BEGIN CERTIFICATE-----' blocks)"
    )


def test_a_directory_is_not_a_ca_file(tmp_path: Path) -> None:
    assert _refused(ClientSecurity(2, ca_file=str(tmp_path)), None, 1) == (
        f"--ca-file {tmp_path}: is a directory, expected a PEM file"
    )


def test_more_stations_than_certificates_is_refused_with_the_count(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    for n in range(3):
        pki.station_cert(f"SEC-{n:05}")
    pattern = PATTERN.format(dir=tmp_path)
    assert _refused(*_profile3(pki), 5) == (
        f"--client-cert-pattern {pattern!r} gives {tmp_path}/SEC-00003.pem for station #4 of 5, which "
        "does not exist: there are files for the first 3 stations only; pass --stations 3 or add the "
        "missing files"
    )


def test_a_missing_first_certificate_or_key_names_its_option(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    pattern = PATTERN.format(dir=tmp_path)
    assert _refused(*_profile3(pki), 2) == (
        f"--client-cert-pattern {pattern!r} gives {tmp_path}/SEC-00000.pem: no such file"
    )
    pki.station_cert("SEC-00000")
    assert _refused(*_profile3(pki, key="keys/{station_id}.key"), 1) == (
        "--client-key-pattern 'keys/{station_id}.key' gives keys/SEC-00000.key: no such file"
    )


def test_a_certificate_file_without_a_key_or_with_another_key_says_so(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    assert _refused(*_profile3(pki, cert=pki.server_ca_file), 1) == (
        f"--client-cert-pattern {pki.server_ca_file!r} gives {pki.server_ca_file}: holds no PEM "
        "certificate and private key (a key in a separate file is given with --client-key-pattern)"
    )
    assert _refused(*_profile3(pki, cert=pki.cert_file, key=pki.station_cert("SEC-00000")), 1) == (
        f"--client-cert-pattern {pki.cert_file!r} gives {pki.cert_file} and {tmp_path}/SEC-00000.pem: "
        "the private key does not belong to the certificate"
    )


def _expired_csms_certificate(pki: Pki) -> None:
    expired = pki.server_ca.issue_cert(
        "127.0.0.1",
        not_before=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC),
        not_after=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    expired.cert_chain_pems[0].write_to_path(pki.cert_file)
    expired.private_key_pem.write_to_path(pki.key_file)


def _fleet(security: ClientSecurity) -> Callable[[str], FleetConfig]:
    identities = StationIdentities(id_pattern="SEC-{n:05}", password="pw")
    return lambda url: FleetConfig(
        csms_url=url, stations=2, duration_s=10, ramp_per_s=2, security=security, identities=identities
    )


async def test_an_expired_csms_certificate_is_not_answered_with_pass_ca_file(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    _expired_csms_certificate(pki)
    csms = CsmsSecurity(2, pki.cert_file, pki.key_file, passwords=PasswordBook(default="pw"))
    with pytest.raises(Exception) as caught:  # the right CA, given with --ca-file
        await run_small_fleet(_fleet(ClientSecurity(2, ca_file=pki.server_ca_file)), csms)
    unreachable: BaseException = caught.value
    while isinstance(unreachable, BaseExceptionGroup):
        unreachable = unreachable.exceptions[0]
    assert isinstance(unreachable, CsmsUnreachable)
    assert unreachable.kind == "server_certificate"
    message = str(unreachable)
    assert "not valid now (certificate has expired); renew it on the CSMS" in message
    assert "--ca-file" not in message


def test_a_stations_file_row_names_its_station_and_field(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    pki.station_cert("SEC-00000")
    stations = tmp_path / "stations.csv"
    stations.write_text("id,client_cert\nSEC-00000,SEC-00000.pem\nSEC-00001,SEC-00001.pem\n")
    identities = StationIdentities(rows=load_stations_file(stations))
    assert _refused(ClientSecurity(3, ca_file=pki.server_ca_file), identities, 2) == (
        f"--stations-file (station SEC-00001, client_cert) gives {tmp_path}/SEC-00001.pem: no such file"
    )
