"""Source addresses: parsing, the automatic choice, and stations really connecting from them."""

from __future__ import annotations

import pytest
import trio

from fleet.csms import CsmsConfig, CsmsServer, serve_csms
from fleet.engine import (
    FleetConfig,
    automatic_source_addresses,
    open_station_websocket,
    parse_source_addresses,
    run_fleet,
)
from fleet.metrics import RunRecorder
from fleet.ocpp import v201
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


async def test_open_station_websocket_binds_the_source_address() -> None:
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, CsmsConfig(), "127.0.0.1", 0)
        with trio.fail_after(10):
            async with open_station_websocket(
                f"{server.url}/CS-7",
                [v201.SUBPROTOCOL],
                local_address="127.0.0.3",
                connect_timeout=5,
                disconnect_timeout=2,
            ) as ws:
                assert ws.subprotocol == v201.SUBPROTOCOL
                await ws.send_message('[2,"1","Heartbeat",{}]')
                assert str(await ws.get_message()).startswith('[3,"1"')
        assert server.peer_addresses == {"CS-7": "127.0.0.3"}
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
