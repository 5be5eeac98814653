"""CSMS scripts: the file format, its errors, and which stations a step picks."""

import random
from pathlib import Path
from typing import Any

import pytest

from fleet.csms import ScriptError, load_script, parse_script
from fleet.ocpp import v16, v201

PROFILES = Path(__file__).parents[2] / "profiles" / "scripts"


def _step(**fields: Any) -> dict[str, Any]:
    return {"step": [{"at": "+10s", "action": "Reset", "payload": {"type": "Immediate"}, **fields}]}


def test_bundled_scripts_load() -> None:
    scripts = sorted(PROFILES.glob("*.toml"))
    assert len(scripts) >= 3
    for path in scripts:
        assert load_script(str(path))


def test_times_of_day_and_offsets() -> None:
    [offset] = parse_script(_step(at="+1h30m"), "s.toml")
    assert offset.at.due(1_000.0) == 1_000.0 + 5400
    [clock] = parse_script(_step(at="18:00"), "s.toml")
    day = 20_000 * 86400.0
    assert clock.at.due(day + 3600) == day + 18 * 3600  # later today
    assert clock.at.due(day + 19 * 3600) == day + 86400 + 18 * 3600  # tomorrow


def test_payload_placeholders_become_utc_times() -> None:
    steps = parse_script(
        {
            "step": [
                {
                    "at": "+0s",
                    "action": "UpdateFirmware",
                    "payload": {
                        "requestId": 1,
                        "firmware": {"location": "https://x.invalid/f.bin", "retrieveDateTime": "${now+15m}"},
                    },
                }
            ]
        },
        "s.toml",
    )
    request = steps[0].request(86400.0)
    assert isinstance(request, v201.UpdateFirmwareRequest)
    assert request.firmware.retrieve_date_time.isoformat() == "1970-01-02T00:15:00+00:00"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"at": "6pm"}, "step 1: at = '6pm'; expected a time of day 'HH:MM[:SS]'"),
        ({"action": "Rest"}, "step 1: 'Rest' is not an OCPP 2.0.1 action"),
        ({"payload": {"type": "Now"}}, "step 1: payload is not a valid Reset request for OCPP 2.0.1"),
        ({"payload": {"typ": "Immediate"}}, "Object contains unknown field `typ`"),
        ({"ocpp": "2.1"}, "ocpp = '2.1'; expected one of ['1.6', '2.0.1']"),
        ({"stations": "150%"}, "a share must be between 0% and 100%"),
        ({"stations": 3}, 'expected "all", a share like "10%"'),
        ({"every": "1h"}, "unknown key(s) ['every']"),
    ],
)
def test_mistakes_name_the_file_step_and_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(_step(**fields), "evening.toml")
    assert str(caught.value).startswith("evening.toml: ")
    assert message in str(caught.value)


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[step]\nat = 1")
    with pytest.raises(ScriptError, match=r"broken\.toml: not valid TOML"):
        load_script(str(path))


def test_selection_by_share_glob_list_and_version() -> None:
    connected = [f"SIM-{n:05d}" for n in range(40)]
    versions = {
        station: v201.SUBPROTOCOL if n % 4 else v16.SUBPROTOCOL for n, station in enumerate(connected)
    }
    [share] = parse_script(_step(stations="10%"), "s.toml")
    picked = share.select(connected, versions, random.Random(1))
    assert len(picked) == 3  # 10 % of the 30 stations speaking 2.0.1
    assert all(versions[s] == v201.SUBPROTOCOL for s in picked)
    assert picked == share.select(connected, versions, random.Random(1))  # seeded: the same stations
    [glob] = parse_script(_step(stations="SIM-0000*"), "s.toml")
    assert glob.select(connected, versions, random.Random(1)) == [f"SIM-0000{n}" for n in range(10) if n % 4]
    [listed] = parse_script(
        _step(stations=["SIM-00000", "SIM-00001", "SIM-99999"], ocpp="1.6", payload={"type": "Soft"}),
        "s.toml",
    )
    assert listed.select(connected, versions, random.Random(1)) == ["SIM-00000"]
