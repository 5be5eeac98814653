"""Station ids from a pattern or a file: the same every run, and errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleet.engine import FleetConfig
from fleet.engine._nameplate import with_nameplate
from fleet.identity import IdentityError, StationIdentities, load_stations_file
from fleet.station import StationConfig


def test_pattern_fields_give_stable_ids_sites_and_credentials() -> None:
    identities = StationIdentities(
        id_pattern="SIM-{site:03}-{n:05}",
        stations_per_site=4,
        password_pattern="pw-{station_id}-{seed}",
        client_cert_pattern="certs/{station_id}.pem",
        seed=7,
    )
    assert [identities.station_id(n) for n in (0, 3, 4, 9)] == [
        "SIM-000-00000",
        "SIM-000-00003",
        "SIM-001-00004",
        "SIM-002-00009",
    ]
    identity = identities.identity(5)
    assert identity.password == "pw-SIM-001-00005-7"
    assert identity.client_cert == "certs/SIM-001-00005.pem"
    # a FleetConfig with identities hands the same ids to every shard and every run
    fleet = FleetConfig(csms_url="ws://x", identities=identities)
    assert (
        fleet.station_id(9)
        == "SIM-002-00009"
        == StationIdentities(id_pattern="SIM-{site:03}-{n:05}", stations_per_site=4).station_id(9)
    )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("SIM-{x}", "unknown field {x}"),
        ("SIM-{site}", "must contain {n}"),
        ("SIM-{n:q}", "not a valid pattern"),
        ("SIM/{n}", "'/'"),
    ],
)
def test_bad_id_patterns_are_refused_with_the_reason(pattern: str, expected: str) -> None:
    with pytest.raises(IdentityError, match="--id-pattern") as caught:
        StationIdentities(id_pattern=pattern)
    assert expected in str(caught.value)


def test_csv_stations_file_with_credentials_and_nameplate(tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text(
        "id,password,client_cert,serial_number,vendor,model\n"
        "DEPOT-1,pw1,certs/DEPOT-1.pem,SN-0001,Acme,AC22\n"
        "DEPOT-2,,,SN-0002,,\n"
    )
    rows = load_stations_file(path)
    identities = StationIdentities(rows=rows, password="shared")
    first, second = identities.identity(0), identities.identity(1)
    assert (first.station_id, first.password, first.client_cert) == (
        "DEPOT-1",
        "pw1",
        str(tmp_path / "certs/DEPOT-1.pem"),
    )
    assert (second.password, second.client_cert) == ("shared", None)  # the file wins, else options
    config = with_nameplate(StationConfig(station_id="DEPOT-1"), first)
    assert (config.serial_number, config.vendor_name, config.model) == ("SN-0001", "Acme", "AC22")
    with pytest.raises(IdentityError, match="lists 2 stations but the run asks for 3"):
        identities.check_count(3)


def test_toml_stations_file(tmp_path: Path) -> None:
    path = tmp_path / "stations.toml"
    path.write_text('[[station]]\nid = "T-1"\npassword = "a"\n\n[[station]]\nid = "T-2"\nmodel = "DC150"\n')
    rows = load_stations_file(path)
    assert [(row.station_id, row.password, row.model) for row in rows] == [
        ("T-1", "a", None),
        ("T-2", None, "DC150"),
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("s.csv", "id,colour\nA,red\n", "s.csv:1: header: unknown column 'colour'"),
        (
            "s.csv",
            "id,model\nA,x\nB,this-model-name-is-far-too-long\n",
            "s.csv:3: field 'model': expected at most 20",
        ),
        ("s.csv", "id\nA\nA\n", "s.csv:3: station id 'A' again (first at"),
        ("s.csv", "id,password\n,pw\n", "s.csv:2: field 'id': expected a station id, found nothing"),
        ("s.csv", "id\nA:B\n", "s.csv:2: field 'id':"),
        ("s.toml", "[[station]]\nid = 5\n", "[[station]] #1: field 'id': expected text, found 5"),
        ("s.toml", '[[station]]\nname = "x"\n', "[[station]] #1: unknown key 'name'"),
        ("s.json", "{}", "must end in .csv or .toml"),
    ],
)
def test_bad_stations_files_name_file_line_and_field(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(IdentityError) as caught:
        load_stations_file(path)
    assert expected in str(caught.value)
