"""The station displays of a run (fleet.engine's StationDisplays): a person's actions reach a
running station of the reactor, and the station sends the real frames for them at once, on the
wire to the embedded CSMS, in the middle of a load of simulated drivers (MockClock time)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
import trio
import trio.testing

from fleet.behaviour import DriverSettings, SimulatedStation
from fleet.csms import CsmsConfig, serve_csms
from fleet.engine import FleetConfig, FrameCapture, StationDisplays, StationFactory, run_fleet
from fleet.metrics import RunRecorder
from fleet.station import OcppVersion, ShellStation, StationConfig
from support import OcppSchemaValidator

STATIONS = 3
TOKEN = "CAFE0042"


def _factory(version: OcppVersion) -> StationFactory:
    def make(index: int, station_id: str, rng: random.Random, now: float) -> ShellStation:
        driver = DriverSettings(mean_idle_s=20.0, mean_charge_s=60.0, step_s=2.0)
        config = StationConfig(station_id=station_id, evse_count=2)
        return SimulatedStation(config, rng, driver, start_at=now, ocpp_version=version)

    return make


async def _wait_online(displays: StationDisplays, station_id: str) -> None:
    for _ in range(100):
        screen = displays.screen(station_id)
        if screen is not None and screen.online:
            return
        await trio.sleep(0.5)
    raise AssertionError(f"{station_id} did not come online")


async def _person_charges(displays: StationDisplays, station_id: str, evse_id: int) -> list[str]:
    """Badge, plug in, charge a while, stop, unplug: what the display said each time."""
    said = [displays.act(station_id, "present", evse_id, TOKEN, "rfid")]
    await trio.sleep(1.0)
    said.append(displays.act(station_id, "plug-in", evse_id, "", "rfid"))
    await trio.sleep(30.0)
    screen = displays.screen(station_id)
    assert screen is not None
    mine = screen.evses[evse_id - 1]
    assert mine.user == "you" and mine.transaction_id is not None and mine.energy_wh > 0
    said.append(displays.act(station_id, "stop", evse_id, "", "rfid"))
    await trio.sleep(2.0)
    said.append(displays.act(station_id, "unplug", evse_id, "", "rfid"))
    return said


def _sent_calls(capture: Path, station_id: str) -> list[tuple[str, dict[str, object]]]:
    calls = []
    for line in capture.read_text().splitlines():
        record = json.loads(line)
        frame = json.loads(record["frame"])
        if record["station"] == station_id and record["dir"] == "sent" and frame[0] == 2:
            calls.append((frame[2], frame[3]))
    return calls


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
async def test_a_person_at_a_running_station_sends_real_frames(
    version: OcppVersion, autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    capture_path = tmp_path / "frames.jsonl"
    displays = StationDisplays()
    config = FleetConfig(csms_url="", stations=STATIONS, duration_s=120.0, ramp_per_s=10, seed=5)
    station_id = config.station_id(1)
    said: list[str] = []
    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_csms, CsmsConfig(), "127.0.0.1", 0)
        capture = FrameCapture(str(capture_path))

        async def person() -> None:
            await _wait_online(displays, station_id)
            free = next(e.evse_id for e in displays.screen(station_id).evses if e.user == "free")  # type: ignore[union-attr]
            said.extend(await _person_charges(displays, station_id, free))

        nursery.start_soon(person)
        with trio.fail_after(300):
            await run_fleet(
                replace(config, csms_url=server.url),
                _factory(version),
                RunRecorder(),
                capture=capture,
                displays=displays,
            )
        capture.close()
        nursery.cancel_scope.cancel()
    assert len(said) == 4 and "authorizing" in said[0] and "unplugged" in said[3]
    calls = _sent_calls(capture_path, station_id)
    actions = [action for action, _ in calls]
    if version == "2.0.1":
        assert ("Authorize", {"idToken": {"idToken": TOKEN, "type": "ISO14443"}}) in calls
        events = [payload for action, payload in calls if action == "TransactionEvent"]
        mine = [e for e in events if e.get("idToken") == {"idToken": TOKEN, "type": "ISO14443"}]
        assert mine, "no TransactionEvent carries the person's idToken"
        tx = mine[0]["transactionInfo"]["transactionId"]  # type: ignore[index]
        kinds = [e["eventType"] for e in events if e["transactionInfo"]["transactionId"] == tx]  # type: ignore[index]
        assert kinds[0] == "Started" and kinds[-1] == "Ended"
    else:
        assert ("Authorize", {"idTag": TOKEN}) in calls
        assert any(a == "StartTransaction" and p["idTag"] == TOKEN for a, p in calls)
        assert any(a == "StopTransaction" and p.get("idTag") == TOKEN for a, p in calls)
    assert "StatusNotification" in actions
    assert OcppSchemaValidator(version).validate_capture(capture_path) == []
    assert displays.screen(station_id) is None  # the run is over: the display is dark


async def test_an_unknown_station_has_no_display(autojump_clock: trio.testing.MockClock) -> None:
    displays = StationDisplays()
    assert displays.screen("NOPE") is None
    with pytest.raises(LookupError):
        displays.act("NOPE", "present", 1, TOKEN, "rfid")
