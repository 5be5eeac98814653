"""A person at a simulated station's display: the station sends the same frames for them as for
its simulated drivers (both OCPP versions), the person's EVSE is theirs alone, and what the
display refuses it says."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from _behaviour_csms import accommodating_response

from fleet.behaviour import (
    DisplayRefused,
    DriverSettings,
    PersonAtStation,
    ProfileStation,
    SimulatedStation,
    load_profile,
    person_at,
    resolve_profile,
)
from fleet.ocpp import encode_call_result, v16
from fleet.station import AnyStation, OcppVersion, StationConfig
from support import OcppSchemaValidator

QUIET = DriverSettings(mean_idle_s=1e9, mean_charge_s=900.0)  # drivers that never come in a test
_tx_ids = iter(range(500, 10_000))


def _answer16(action: str) -> msgspec.Struct:
    accepted = v16.IdTagInfo(status="Accepted")
    if action == "BootNotification":
        return v16.BootNotificationResponse(current_time=datetime.now(UTC), interval=300, status="Accepted")
    if action == "Authorize":
        return v16.AuthorizeResponse(id_tag_info=accepted)
    if action == "StartTransaction":
        return v16.StartTransactionResponse(id_tag_info=accepted, transaction_id=next(_tx_ids))
    if action == "StopTransaction":
        return v16.StopTransactionResponse(id_tag_info=accepted)
    return v16.ACTIONS[action][1]()


class _Csms:
    """Answers every CALL of one core at once and keeps what it sent."""

    def __init__(self, core: AnyStation, version: OcppVersion) -> None:
        self.core = core
        self.version = version
        self.sent: list[str] = []

    def exchange(self, now: float) -> None:
        for _ in range(200):
            frames = self.core.data_to_send()
            if not frames:
                return
            for text in frames:
                self.sent.append(text)
                frame = json.loads(text)
                if frame[0] != 2:
                    continue
                answer = (
                    _answer16(frame[2])
                    if self.version == "1.6"
                    else accommodating_response(frame[2], frame[3], now)
                )
                self.core.receive(encode_call_result(frame[1], answer), now)
        raise AssertionError("more than 200 rounds")

    def calls(self, action: str) -> list[dict[str, Any]]:
        frames = [json.loads(text) for text in self.sent]
        return [frame[3] for frame in frames if frame[0] == 2 and frame[2] == action]

    def actions(self) -> list[str]:
        return [frame[2] for frame in map(json.loads, self.sent) if frame[0] == 2]


def _station(version: OcppVersion, settings: DriverSettings = QUIET) -> tuple[SimulatedStation, _Csms]:
    config = StationConfig(station_id=f"DISPLAY-{version}", evse_count=2)
    sim = SimulatedStation(config, random.Random(4), settings, ocpp_version=version)
    csms = _Csms(sim.station, version)
    sim.connected(0.0)
    csms.exchange(0.0)
    return sim, csms


def _person(sim: SimulatedStation) -> PersonAtStation:
    person = person_at(sim)
    assert person is not None
    return person


def test_a_person_badges_plugs_in_and_stops_on_ocpp_201() -> None:
    sim, csms = _station("2.0.1")
    person = _person(sim)
    csms.sent.clear()
    assert "authorizing" in person.present_token(1, "CAFE0001", "rfid", 10.0)
    csms.exchange(10.0)
    assert csms.calls("Authorize")[0]["idToken"] == {"idToken": "CAFE0001", "type": "ISO14443"}
    person.plug_in(1, 15.0)
    csms.exchange(15.0)
    events = csms.calls("TransactionEvent")
    started = [event for event in events if event["eventType"] == "Started"]
    assert len(started) == 1 and started[0]["evse"]["id"] == 1
    assert any(event.get("idToken", {}).get("idToken") == "CAFE0001" for event in events)
    sim.handle_timer(615.0)
    csms.exchange(615.0)
    screen = person.screen(615.0)
    mine = screen.evses[0]
    assert (mine.user, mine.id_token, screen.evses[1].user) == ("you", "CAFE0001", "free")
    assert mine.transaction_id is not None and mine.power_w == 11_000.0
    assert mine.energy_wh == pytest.approx(11_000.0 * 600 / 3600, rel=0.01)
    assert mine.plugged_s == 600.0 and mine.soc_percent is not None and mine.soc_percent > 20.0
    person.stop(1, 620.0)
    csms.exchange(620.0)
    ended = [event for event in csms.calls("TransactionEvent") if event["eventType"] == "Ended"]
    assert len(ended) == 1 and ended[0]["triggerReason"] == "StopAuthorized"
    person.unplug(1, 630.0)
    csms.exchange(630.0)
    assert person.screen(630.0).evses[0].user == "free"
    assert OcppSchemaValidator().validate_stream([("sent", text) for text in csms.sent]) == []


def test_a_person_types_a_pin_and_stops_with_the_button_on_ocpp_16() -> None:
    sim, csms = _station("1.6")
    person = _person(sim)
    csms.sent.clear()
    person.plug_in(2, 10.0)
    person.present_token(2, "4711", "pin", 12.0)
    csms.exchange(12.0)
    assert csms.calls("Authorize") == [{"idTag": "4711"}]
    start = csms.calls("StartTransaction")
    assert len(start) == 1 and start[0]["idTag"] == "4711" and start[0]["connectorId"] == 2
    assert "StatusNotification" in csms.actions()
    screen = person.screen(100.0)
    assert screen.ocpp_version == "1.6" and screen.evses[1].transaction_id is not None
    person.stop(2, 100.0)
    csms.exchange(100.0)
    stop = csms.calls("StopTransaction")
    assert len(stop) == 1 and stop[0]["idTag"] == "4711" and stop[0]["reason"] == "Local"
    person.unplug(2, 110.0)
    csms.exchange(110.0)


def test_the_person_s_evse_keeps_its_driver_away_until_the_person_leaves() -> None:
    sim, csms = _station("2.0.1", DriverSettings(mean_idle_s=600.0, mean_charge_s=900.0))
    person = _person(sim)
    driver = sim.drivers[0]
    assert driver.phase == "away" and driver.next_deadline() is not None
    person.plug_in(1, 1.0)
    assert driver.next_deadline() is None
    sim.handle_timer(5_000.0)  # whatever the other driver does, driver 1 stays away
    csms.exchange(5_000.0)
    assert driver.phase == "away" and driver.sessions == 0
    person.unplug(1, 5_000.0)
    deadline = driver.next_deadline()
    assert deadline is not None and deadline > 5_000.0


def test_an_evse_a_simulated_driver_uses_is_refused_with_a_message() -> None:
    sim, csms = _station("2.0.1", DriverSettings(mean_idle_s=60.0, mean_charge_s=10_000.0, step_s=1.0))
    person = _person(sim)
    now = 0.0
    for _ in range(100):  # until driver 1 is in a session
        deadline = sim.next_deadline()
        assert deadline is not None
        now = deadline
        sim.handle_timer(now)
        csms.exchange(now)
        if sim.drivers[0].phase == "charging":
            break
    assert sim.drivers[0].phase == "charging"
    with pytest.raises(DisplayRefused, match=r"EVSE 1 is in use by a simulated driver \(charging\)"):
        person.plug_in(1, now)
    assert person.screen(now).evses[0].user == "driver"


@pytest.mark.parametrize(
    ("act", "message"),
    [
        (lambda p: p.plug_in(3, 1.0), r"has EVSEs 1..2, not 3"),
        (lambda p: p.present_token(1, "CAFE", "face", 1.0), r"token kind 'face'"),
        (lambda p: p.present_token(1, "  ", "rfid", 1.0), r"the token is empty"),
        (lambda p: p.stop(1, 1.0), r"no session of yours to stop"),
        (lambda p: p.unplug(1, 1.0), r"you are not at this EVSE"),
        (lambda p: p.present_token(1, "X" * 40, "rfid", 1.0), r"at most 36 characters"),
    ],
)
def test_what_the_display_refuses_it_says(act: Any, message: str) -> None:
    sim, _ = _station("2.0.1")
    person = _person(sim)
    with pytest.raises(DisplayRefused, match=message):
        act(person)
    assert person.screen(1.0).evses[0].user == "free"  # a refused first action holds nothing


def test_a_second_token_on_the_person_s_evse_is_refused() -> None:
    sim, _ = _station("2.0.1")
    person = _person(sim)
    person.present_token(1, "AAAA", "rfid", 1.0)
    with pytest.raises(DisplayRefused, match=r"another token \(AAAA\) is in use here"):
        person.present_token(1, "BBBB", "rfid", 2.0)


def test_a_profile_station_holds_its_driver_and_refreshes_its_schedule() -> None:
    profile = load_profile(resolve_profile("workplace"))
    shell = ProfileStation(
        "DISPLAY-P", profile, profile.station_types[0], random.Random(9), start_at=0.0, epoch=1_767_225_600.0
    )
    person = person_at(shell)
    assert person is not None
    person.plug_in(1, 1.0)
    assert shell.drivers[0].next_deadline() is None
    person.unplug(1, 2.0)
    assert shell.next_deadline() is not None


def test_a_bare_core_has_no_door() -> None:
    sim, _ = _station("2.0.1")
    assert person_at(sim.station) is None
