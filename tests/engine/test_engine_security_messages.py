"""OCPP 2.0.1 security messages over the wire: a new BasicAuthPassword (A01) makes the station
reconnect with it; an invalid CSMS certificate is reported (A04) once the station gets through."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from pathlib import Path

import trio
import trio.testing
import trio_websocket
from _engine_security_support import error_stations_of, errors_of, make_pki, make_station
from _reactor_support import ReactorStation

from fleet.csms import CsmsConfig, CsmsSecurity, CsmsServer, PasswordBook, serve_csms
from fleet.engine import CsmsUnreachable, FleetConfig, run_fleet
from fleet.identity import ClientSecurity, StationIdentities, StationIdentity
from fleet.metrics import RunRecorder
from fleet.ocpp import v201
from fleet.station import Station, StationConfig

STATION = "SEC-PW-1"
OLD, NEW = "old-password-0001", "new-password-0002-abcdef"


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():  # noqa: ASYNC110 - plain state, polled in MockClock time
        await trio.sleep(0.5)


async def test_a_new_basic_auth_password_makes_the_station_reconnect_with_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    passwords = PasswordBook({STATION: OLD})
    recorder = RunRecorder()
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(
            partial(serve_csms, security=CsmsSecurity(1, passwords=passwords)), CsmsConfig()
        )
        station = Station(StationConfig(station_id=STATION), random.Random(1))
        on_reactor = ReactorStation(
            f"{server.url}/{STATION}",
            station,
            recorder,
            station_id=STATION,
            security=ClientSecurity(1),
            identity=StationIdentity(STATION, OLD),
        )
        await nursery.start(on_reactor.run)
        with trio.fail_after(60):
            await _until(lambda: STATION in server.ledger.stations_booted)
            passwords.set(STATION, NEW)  # the CSMS expects the new one from now on
            request = v201.SetVariablesRequest(
                set_variable_data=[
                    v201.SetVariableData(
                        attribute_value=NEW,
                        component=v201.Component(name="SecurityCtrlr"),
                        variable=v201.Variable(name="BasicAuthPassword"),
                    )
                ]
            )
            response = await server.call(STATION, "SetVariables", request)
            assert isinstance(response, v201.SetVariablesResponse)
            assert response.set_variable_result[0].attribute_status == "Accepted"
            await _until(
                lambda: recorder.snapshot().reconnects >= 1 and STATION in server.connected_stations()
            )
        nursery.cancel_scope.cancel()
    assert errors_of(recorder, "auth_rejected") == []  # the second connect used the new password
    assert server.ledger.messages_by_action.get("BootNotification") == 1  # reconnect, not reboot


async def test_an_invalid_csms_certificate_is_reported_once_the_station_gets_through(
    autojump_clock: trio.testing.MockClock, tmp_path: Path, unused_port: int
) -> None:
    trusted = make_pki(tmp_path)
    (tmp_path / "rogue").mkdir()
    rogue = make_pki(tmp_path / "rogue")
    recorder = RunRecorder()
    station = Station(StationConfig(station_id=STATION), random.Random(1))
    on_reactor = ReactorStation(
        f"wss://127.0.0.1:{unused_port}/{STATION}",
        station,
        recorder,
        station_id=STATION,
        security=ClientSecurity(2, ca_file=trusted.server_ca_file),
        identity=StationIdentity(STATION, OLD),
    )
    passwords = PasswordBook(default=OLD)
    async with trio.open_nursery() as nursery:
        async with trio.open_nursery() as rogue_life:
            # first a CSMS whose certificate the station does not trust
            await rogue_life.start(
                partial(
                    serve_csms, security=CsmsSecurity(2, rogue.cert_file, rogue.key_file, passwords=passwords)
                ),
                CsmsConfig(),
                "127.0.0.1",
                unused_port,
            )
            await nursery.start(on_reactor.run)
            with trio.fail_after(60):
                await _until(lambda: recorder.snapshot().reconnects >= 3)
            rogue_life.cancel_scope.cancel()
        server: CsmsServer = await nursery.start(
            partial(
                serve_csms, security=CsmsSecurity(2, trusted.cert_file, trusted.key_file, passwords=passwords)
            ),
            CsmsConfig(),
            "127.0.0.1",
            unused_port,
        )
        with trio.fail_after(300):
            await _until(lambda: server.ledger.messages_by_action.get("SecurityEventNotification", 0) >= 1)
        nursery.cancel_scope.cancel()
    refused = errors_of(recorder, "server_certificate")
    assert refused and all(STATION not in message for message in refused)
    assert error_stations_of(recorder, "server_certificate") == {STATION}
    # one event for the whole failure streak, not one per retry
    assert server.ledger.messages_by_action["SecurityEventNotification"] == 1


async def test_http_404_on_the_path_is_its_own_kind(autojump_clock: trio.testing.MockClock) -> None:
    async def only_ocpp_path(request: trio_websocket.WebSocketRequest) -> None:
        await request.reject(404, body=b"no such path")

    async with trio.open_nursery() as nursery:
        server = await nursery.start(trio_websocket.serve_websocket, only_ocpp_path, "127.0.0.1", 0, None)
        fleet = FleetConfig(
            csms_url=f"ws://127.0.0.1:{server.port}/wrong",
            stations=2,
            identities=StationIdentities(id_pattern="SITE-{site}-{n:03}", stations_per_site=1),
        )
        with trio.fail_after(60):
            try:
                await run_fleet(fleet, make_station, RunRecorder())
            except CsmsUnreachable as exc:
                unreachable = exc
        nursery.cancel_scope.cancel()
    assert unreachable.kind == "not_found"
    assert "SITE-0-000" in unreachable.message and "HTTP 404" in unreachable.message
