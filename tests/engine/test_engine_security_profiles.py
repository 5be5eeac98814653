"""A small fleet against the embedded CSMS under each OCPP security profile, and each way the
CSMS can refuse a station, reported as its own kind with the station id, while the others charge."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import trio
import trio.testing
from _engine_security_support import error_stations_of, errors_of, make_pki, run_small_fleet, summary_of

from fleet.csms import CsmsSecurity, CsmsServer, PasswordBook
from fleet.engine import CsmsUnreachable, FleetConfig
from fleet.identity import ClientSecurity, StationIdentities, StationIdentity
from fleet.metrics import RunRecorder

STATIONS = 4
IDS = [f"SEC-{n:05}" for n in range(STATIONS)]
PASSWORDS = {station_id: f"secret-of-{station_id}" for station_id in IDS}


def _fleet(security: ClientSecurity, identities: StationIdentities) -> Callable[[str], FleetConfig]:
    def build(url: str) -> FleetConfig:
        return FleetConfig(
            csms_url=url,
            stations=STATIONS,
            duration_s=60,
            ramp_per_s=4,
            security=security,
            identities=identities,
        )

    return build


def _charged(recorder: RunRecorder, server: CsmsServer, expected: set[str]) -> None:
    assert server.ledger.stations_booted == expected
    assert summary_of(recorder)["transactions"]["started"] > 0


@pytest.mark.parametrize("profile", [1, 2])
async def test_basic_auth_profiles_connect_boot_and_charge(
    autojump_clock: trio.testing.MockClock, tmp_path: Path, profile: int
) -> None:
    pki = make_pki(tmp_path)
    csms = CsmsSecurity(profile, pki.cert_file, pki.key_file, passwords=PasswordBook(PASSWORDS))
    identities = StationIdentities(id_pattern="SEC-{n:05}", password_pattern="secret-of-{station_id}")
    client = ClientSecurity(profile, ca_file=pki.server_ca_file)
    recorder, server = await run_small_fleet(_fleet(client, identities), csms)
    _charged(recorder, server, set(IDS))
    assert server.url.startswith("wss://" if profile == 2 else "ws://")
    assert summary_of(recorder)["errors"] == []


async def test_client_certificate_profile_connects_boots_and_charges(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    for station_id in IDS:
        pki.station_cert(station_id)
    csms = CsmsSecurity(3, pki.cert_file, pki.key_file, client_ca_file=pki.client_ca_file)
    identities = StationIdentities(
        id_pattern="SEC-{n:05}", client_cert_pattern=str(tmp_path / "{station_id}.pem")
    )
    client = ClientSecurity(3, ca_file=pki.server_ca_file)
    recorder, server = await run_small_fleet(_fleet(client, identities), csms)
    _charged(recorder, server, set(IDS))
    assert summary_of(recorder)["errors"] == []


async def test_wrong_passwords_are_refused_one_line_each_and_the_others_charge(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    wrong = {IDS[1], IDS[3]}
    rows = tuple(
        StationIdentity(station_id, password="guess" if station_id in wrong else PASSWORDS[station_id])
        for station_id in IDS
    )
    csms = CsmsSecurity(1, passwords=PasswordBook(PASSWORDS))
    recorder, server = await run_small_fleet(
        _fleet(ClientSecurity(1), StationIdentities(rows=rows)),
        csms,
    )
    _charged(recorder, server, set(IDS) - wrong)
    refused = errors_of(recorder, "auth_rejected")
    # one entry: the message names the CSMS, not the station; the stations are named on their own
    assert len(refused) == 1 and error_stations_of(recorder, "auth_rejected") == wrong
    assert all("HTTP 401" in message and "\n" not in message for message in refused)


async def test_an_expired_client_certificate_is_refused_with_its_alert(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    for station_id in IDS:
        pki.station_cert(station_id, expired=station_id == IDS[2])
    csms = CsmsSecurity(3, pki.cert_file, pki.key_file, client_ca_file=pki.client_ca_file)
    identities = StationIdentities(
        id_pattern="SEC-{n:05}", client_cert_pattern=str(tmp_path / "{station_id}.pem")
    )
    recorder, server = await run_small_fleet(
        _fleet(ClientSecurity(3, ca_file=pki.server_ca_file), identities),
        csms,
    )
    _charged(recorder, server, set(IDS) - {IDS[2]})
    refused = errors_of(recorder, "client_certificate")
    assert len(refused) == 1 and "certificate expired" in refused[0]
    assert error_stations_of(recorder, "client_certificate") == {IDS[2]}


async def test_an_untrusted_csms_certificate_stops_the_run_with_the_reason(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    (tmp_path / "other").mkdir()
    other = make_pki(tmp_path / "other")
    csms = CsmsSecurity(2, pki.cert_file, pki.key_file, passwords=PasswordBook(default="pw"))
    identities = StationIdentities(id_pattern="SEC-{n:05}", password="pw")
    # the stations trust another CA than the one that signed the CSMS's certificate
    with pytest.raises(Exception) as caught:
        await run_small_fleet(
            _fleet(ClientSecurity(2, ca_file=other.server_ca_file), identities),
            csms,
        )
    unreachable: BaseException = caught.value
    while isinstance(unreachable, BaseExceptionGroup):
        unreachable = unreachable.exceptions[0]
    assert isinstance(unreachable, CsmsUnreachable)
    assert unreachable.kind == "server_certificate"
    assert IDS[0] in str(unreachable) and "--ca-file" in str(unreachable)


async def test_insecure_skips_the_certificate_check(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path)
    csms = CsmsSecurity(2, pki.cert_file, pki.key_file, passwords=PasswordBook(default="pw"))
    identities = StationIdentities(id_pattern="SEC-{n:05}", password="pw")
    recorder, server = await run_small_fleet(
        _fleet(ClientSecurity(2, insecure=True), identities),
        csms,
    )
    _charged(recorder, server, set(IDS))
