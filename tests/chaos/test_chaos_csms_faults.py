"""The embedded CSMS's faults: answers withheld, slowed, refused, Rejected, Pending boots, and a
crash with a restart that keeps the ledger (loopback, MockClock)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import trio
import trio.testing
from trio_websocket import ConnectionClosed, HandshakeError, open_websocket_url

from fleet.chaos import parse_csms_faults
from fleet.csms import CsmsConfig, CsmsServer, CsmsSession, CsmsSession16, Ledger, serve_csms
from fleet.csms._faults import ActiveCsmsFaults
from fleet.ocpp import v16, v201

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "Test", "vendorName": "ocpp-fleet"}}
BOOT16 = {"chargePointModel": "Test", "chargePointVendor": "ocpp-fleet"}


def _session(spec: str, origin: float = 0.0, session: type[CsmsSession] = CsmsSession) -> CsmsSession:
    config = CsmsConfig(faults=parse_csms_faults([spec]), boot_retry_interval=7)
    faults = ActiveCsmsFaults(config.faults, origin)
    return session("CS-1", config, Ledger(), random.Random(0), faults=faults)


def _answer(session: CsmsSession, action: str, payload: dict[str, Any], now: float = 1.0) -> list[Any]:
    session.receive(json.dumps([2, "m1", action, payload]), now)
    frames = session.data_to_send()
    return [json.loads(frame) for frame in frames]


def test_a_silent_action_is_never_answered() -> None:
    session = _session("silent=Heartbeat")
    assert _answer(session, "Heartbeat", {}) == []
    assert _answer(session, "BootNotification", BOOT)[0][0] == 3  # the other actions are


def test_a_callerror_fault_refuses_the_action_with_its_code() -> None:
    (frame,) = _answer(
        _session("callerror=Authorize:SecurityError"),
        "Authorize",
        {"idToken": {"idToken": "A", "type": "ISO14443"}},
    )
    assert frame[:3] == [4, "m1", "SecurityError"]
    (default,) = _answer(_session("callerror=Heartbeat"), "Heartbeat", {})
    assert default[2] == "InternalError" and "injected on purpose" in default[3]


def test_a_rejected_boot_is_not_counted_booted_and_retries_soon() -> None:
    session = _session("reject=BootNotification")
    (frame,) = _answer(session, "BootNotification", BOOT)
    assert frame[2]["status"] == "Rejected" and frame[2]["interval"] == 7
    assert session._ledger.stations_booted == set()


def test_boots_are_pending_for_a_while_then_accepted() -> None:
    session = _session("pending=30s", origin=100.0)
    (early,) = _answer(session, "BootNotification", BOOT, now=110.0)
    assert early[2]["status"] == "Pending" and early[2]["interval"] == 7
    assert session._ledger.stations_booted == set()
    (late,) = _answer(session, "BootNotification", BOOT, now=131.0)
    assert late[2]["status"] == "Accepted"
    assert session._ledger.stations_booted == {"CS-1"}


def test_pending_boots_in_ocpp_16_too() -> None:
    (frame,) = _answer(_session("pending=1m", session=CsmsSession16), "BootNotification", BOOT16)
    assert frame[2]["status"] == "Pending"


def test_a_slow_action_tells_the_server_how_long_to_hold_its_answer() -> None:
    session = _session("slow=Heartbeat:2s")
    assert _answer(session, "Heartbeat", {})[0][0] == 3
    assert session.fault_delay_s == 2.0
    _answer(session, "BootNotification", BOOT)
    assert session.fault_delay_s == 0.0


def test_reject_needs_a_response_with_a_status() -> None:
    with pytest.raises(ValueError, match="reject=Heartbeat: its response has no status"):
        parse_csms_faults(["reject=Heartbeat"])


async def test_a_slow_answer_arrives_late_over_the_wire(autojump_clock: trio.testing.MockClock) -> None:
    config = CsmsConfig(faults=parse_csms_faults(["slow=Heartbeat:2s"]))
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, config)
        async with open_websocket_url(f"{server.url}/CS-1", subprotocols=[v201.SUBPROTOCOL]) as websocket:
            sent_at = trio.current_time()
            await websocket.send_message(json.dumps([2, "h1", "Heartbeat", {}]))
            with trio.fail_after(10):
                await websocket.get_message()
            assert trio.current_time() - sent_at == pytest.approx(2.0, abs=1e-3)
        nursery.cancel_scope.cancel()


async def test_a_crash_drops_everyone_refuses_connections_and_comes_back_with_its_ledger(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = CsmsConfig(faults=parse_csms_faults(["crash=10s+5s"]))
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, config)
        assert server.faults is not None
        origin = server.faults.origin
        async with open_websocket_url(f"{server.url}/CS-1", subprotocols=[v201.SUBPROTOCOL]) as websocket:
            await websocket.send_message(json.dumps([2, "b1", "BootNotification", BOOT]))
            with trio.fail_after(5):
                await websocket.get_message()
            with trio.fail_after(20), pytest.raises(ConnectionClosed):
                await websocket.get_message()  # the crash at 10 s drops the connection
        assert trio.current_time() == pytest.approx(origin + 10.0, abs=0.1)
        assert server.connected_stations() == []
        with pytest.raises((OSError, HandshakeError)):
            async with open_websocket_url(f"{server.url}/CS-2", subprotocols=[v201.SUBPROTOCOL]):
                pass  # refused while down
        await trio.sleep_until(origin + 15.5)
        async with open_websocket_url(f"{server.url}/CS-2", subprotocols=[v201.SUBPROTOCOL]) as websocket:
            await websocket.send_message(json.dumps([2, "b2", "BootNotification", BOOT]))
            with trio.fail_after(5):
                assert json.loads(await websocket.get_message())[2]["status"] == "Accepted"
        assert server.ledger.stations_booted == {"CS-1", "CS-2"}  # kept across the crash
        (crash,) = server.faults.events
        assert crash.kind == "csms-crash" and crash.end == pytest.approx(crash.start + 5.0)
        nursery.cancel_scope.cancel()


def test_v16_action_names_are_known() -> None:
    assert parse_csms_faults(["silent=StartTransaction"]).silent == {"StartTransaction"}
    assert "StartTransaction" in v16.ACTIONS
