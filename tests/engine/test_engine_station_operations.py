"""CSMS-initiated 2.0.1 operations over the wire: a firmware update makes the station's connection
on the reactor close and reconnect, and the station boot again (reason FirmwareUpdate) with the new
version."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

import trio
import trio.testing
from _reactor_support import ReactorStation

from fleet.csms import CsmsConfig, CsmsServer, serve_csms
from fleet.metrics import RunRecorder
from fleet.ocpp import v201
from fleet.station import Station, StationConfig

STATION = "OPS-FW-1"


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():  # noqa: ASYNC110 - plain state, polled in MockClock time
        await trio.sleep(0.5)


async def test_a_firmware_update_reboots_the_station_into_the_new_version(
    autojump_clock: trio.testing.MockClock,
) -> None:
    recorder = RunRecorder()
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, CsmsConfig())
        station = Station(StationConfig(station_id=STATION, firmware_version="1.0.0"), random.Random(1))
        on_reactor = ReactorStation(f"{server.url}/{STATION}", station, recorder, station_id=STATION)
        await nursery.start(on_reactor.run)
        with trio.fail_after(120):
            await _until(lambda: STATION in server.ledger.stations_booted)
            firmware = v201.Firmware(
                location="https://firmware.example/fw-1.1.0.bin",
                retrieve_date_time=datetime(2020, 1, 1, tzinfo=UTC),  # past: start at once
            )
            response = await server.call(
                STATION, "UpdateFirmware", v201.UpdateFirmwareRequest(request_id=1, firmware=firmware)
            )
            assert isinstance(response, v201.UpdateFirmwareResponse) and response.status == "Accepted"
            await _until(lambda: server.ledger.messages_by_action.get("BootNotification", 0) >= 2)
            await _until(lambda: server.ledger.messages_by_action.get("FirmwareStatusNotification", 0) >= 5)
        nursery.cancel_scope.cancel()
    assert station.firmware_version == "fw-1.1.0.bin"
    assert recorder.snapshot().reconnects >= 1
    assert server.ledger.messages_by_action["FirmwareStatusNotification"] == 5  # ... Installed
