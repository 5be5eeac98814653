"""Source addresses: parsing, the automatic choice, and stations really connecting from them."""

from __future__ import annotations

import random

import pytest
import trio
import trio.testing
from _reactor_support import ReactorStation

from fleet.csms import CsmsConfig, CsmsServer, serve_csms
from fleet.engine import (
    FleetConfig,
    automatic_source_addresses,
    parse_source_addresses,
    run_fleet,
)
from fleet.metrics import RunRecorder
from fleet.station import Station, StationConfig


def test_source_address_specs() -> None:
    assert parse_source_addresses("3") == ("127.0.0.1", "127.0.0.2", "127.0.0.3")
    assert parse_source_addresses("127.0.0.254-127.0.1.1") == (
        "127.0.0.254",
        "127.0.0.255",
        "127.0.1.0",
        "127.0.1.1",
    )
    assert parse_source_addresses("127.0.0.5, 127.0.0.9") == ("127.0.0.5", "127.0.0.9")
    with pytest.raises(ValueError, match="expected a count"):
        parse_source_addresses("127.0.0.9-127.0.0.1")
    with pytest.raises(ValueError, match="expected a count"):
        parse_source_addresses("localhost")


def test_automatic_source_addresses_only_for_big_loopback_runs() -> None:
    assert automatic_source_addresses("ws://127.0.0.1:9000", 20_000) == ()
    assert automatic_source_addresses("ws://127.0.0.1:9000/ocpp", 50_000) == (
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.3",
    )
    assert automatic_source_addresses("ws://localhost:9000", 40_001) == (
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.3",
    )
    assert automatic_source_addresses("ws://csms.example.com", 50_000) == ()


async def test_the_reactor_binds_a_station_to_its_source_address(
    autojump_clock: trio.testing.MockClock,
) -> None:
    recorder = RunRecorder()
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, CsmsConfig(), "127.0.0.1", 0)
        station = Station(StationConfig(station_id="CS-7"), random.Random(1))
        on_reactor = ReactorStation(
            f"{server.url}/CS-7", station, recorder, station_id="CS-7", local_address="127.0.0.2"
        )
        with trio.fail_after(10):
            await nursery.start(on_reactor.run)
            while "CS-7" not in server.ledger.stations_booted:  # noqa: ASYNC110 - polled in MockClock time
                await trio.sleep(0.5)
            await on_reactor.stop()
        assert server.peer_addresses == {"CS-7": "127.0.0.2"}
        assert recorder.snapshot().booted == 1  # the BootNotification round trip went both ways
        nursery.cancel_scope.cancel()


async def test_fleet_stations_connect_round_robin_from_the_source_addresses() -> None:
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, CsmsConfig(), "127.0.0.1", 0)
        config = FleetConfig(
            csms_url=server.url,
            stations=4,
            duration_s=1.0,
            ramp_per_s=100.0,
            source_addresses=("127.0.0.2", "127.0.0.3"),
        )

        def make_station(index: int, station_id: str, rng: object, now: float) -> Station:
            return Station(StationConfig(station_id=station_id), rng)  # type: ignore[arg-type]

        with trio.fail_after(10):
            await run_fleet(config, make_station, RunRecorder())
        assert server.peer_addresses == {
            "SIM-00000": "127.0.0.2",
            "SIM-00001": "127.0.0.3",
            "SIM-00002": "127.0.0.2",
            "SIM-00003": "127.0.0.3",
        }
        nursery.cancel_scope.cancel()
