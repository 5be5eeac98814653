"""The embedded CSMS's own metrics (ocpp_fleet_csms_*) in an injected registry, over real loopback."""

from __future__ import annotations

from functools import partial

import trio
from _csms_frames import DATE_TIME, call_frame
from prometheus_client import CollectorRegistry
from test_csms_server import BOOT, NETWORK_TIMEOUT, connect, request

from fleet.csms import CsmsConfig, CsmsServer, serve_csms

STARTED = {
    "eventType": "Started",
    "timestamp": DATE_TIME,
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "T-1"},
}


async def test_the_csms_counts_what_it_received_and_answered(nursery: trio.Nursery) -> None:
    registry = CollectorRegistry()
    with trio.fail_after(NETWORK_TIMEOUT):
        server: CsmsServer = await nursery.start(partial(serve_csms, registry=registry), CsmsConfig())

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("ocpp_fleet_csms_stations_connected") == 0
    async with connect(server.url, "/CS-1") as websocket:
        await request(websocket, call_frame("b1", "BootNotification", BOOT))
        await request(websocket, call_frame("h1", "Heartbeat", {}))
        await request(websocket, call_frame("h2", "Heartbeat", {}))
        await request(websocket, call_frame("t1", "TransactionEvent", STARTED))
        refused = await request(websocket, call_frame("u1", "Teleport", {}))
        assert value("ocpp_fleet_csms_stations_connected") == 1

    assert refused[:3] == [4, "u1", "NotImplemented"]
    assert value("ocpp_fleet_csms_messages_received_total", action="BootNotification") == 1
    assert value("ocpp_fleet_csms_messages_received_total", action="Heartbeat") == 2
    assert value("ocpp_fleet_csms_messages_received_total", action="TransactionEvent") == 1
    assert value("ocpp_fleet_csms_protocol_errors_total", code="NotImplemented") == 1
    assert value("ocpp_fleet_csms_frames_received_total") == 5
    assert value("ocpp_fleet_csms_answers_sent_total") == 5
    assert value("ocpp_fleet_csms_request_handling_seconds_count") == 5
    assert value("ocpp_fleet_csms_stations_booted") == 1
    assert value("ocpp_fleet_csms_transactions_open") == 1


async def test_without_a_registry_the_csms_exports_nothing(nursery: trio.Nursery) -> None:
    with trio.fail_after(NETWORK_TIMEOUT):
        server: CsmsServer = await nursery.start(serve_csms, CsmsConfig())
    async with connect(server.url, "/CS-1") as websocket:
        answer = await request(websocket, call_frame("h1", "Heartbeat", {}))
    assert answer[:2] == [3, "h1"]
    assert server._metrics is None
