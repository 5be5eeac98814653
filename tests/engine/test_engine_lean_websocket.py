"""The lean WebSocket transport: a fleet over it, the protocol corners, and the same errors as
trio-websocket for the same failures (both transports run the same cases)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing
import trio_websocket
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    Pong,
    Request,
    TextMessage,
)

from fleet.behaviour import DriverSettings
from fleet.engine import (
    TRANSPORTS,
    FleetConfig,
    RunJob,
    Transport,
    classify_connect_error,
    open_lean_websocket,
    open_station_websocket,
    run_job,
)
from fleet.ocpp import v201
from support import OcppSchemaValidator

SUBPROTOCOLS = [v201.SUBPROTOCOL]


class RawPeer:
    """One accepted TCP connection with a server-side wsproto, for what trio-websocket's server
    cannot be made to send (fragments, pings on demand, garbage)."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.ws = WSConnection(ConnectionType.SERVER)
        self.pending: list[Event] = []

    async def accept(self) -> None:
        request = await self.next_event()
        assert isinstance(request, Request)
        await self.send(AcceptConnection(subprotocol=v201.SUBPROTOCOL))

    async def send(self, *events: Event) -> None:
        await self.stream.send_all(b"".join(self.ws.send(event) for event in events))

    async def next_event(self) -> Event:
        while not self.pending:
            data = await self.stream.receive_some(65536)
            assert data, "the client hung up"
            self.ws.receive_data(data)
            self.pending.extend(self.ws.events())
        return self.pending.pop(0)


Handler = Callable[[trio.SocketStream], Awaitable[None]]


async def serve_raw(nursery: trio.Nursery, handler: Handler) -> str:
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    nursery.start_soon(trio.serve_listeners, handler, listeners)
    return f"ws://127.0.0.1:{port}/ocpp/CS-1"


def serve_peer(script: Callable[[RawPeer], Awaitable[None]]) -> Handler:
    async def handler(stream: trio.SocketStream) -> None:
        async with stream:
            peer = RawPeer(stream)
            await peer.accept()
            await script(peer)

    return handler


async def test_fleet_boots_and_charges_schema_valid_over_each_transport(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    for transport in TRANSPORTS:
        capture = tmp_path / f"{transport}.jsonl"
        job = RunJob(
            fleet=FleetConfig(
                csms_url="", stations=10, duration_s=300, ramp_per_s=10, seed=5, transport=transport
            ),
            driver=DriverSettings(mean_idle_s=30, mean_charge_s=60, step_s=2),
            capture_path=str(capture),
        )
        with trio.fail_after(400):
            result = await run_job(job)
        summary = result.summary
        assert result.exit_code == 0 and summary is not None, (transport, result.failure)
        assert summary["errors"] == [], transport
        assert all(stats["errors"] == 0 for stats in summary["actions"].values()), transport
        assert summary["actions"]["BootNotification"]["ok"] == 10
        assert summary["transactions"]["started"] > 0 and summary["transactions"]["ended"] > 0
        assert OcppSchemaValidator("2.0.1").validate_capture(capture) == []


async def test_fragmented_and_batched_messages_are_reassembled(nursery: trio.Nursery) -> None:
    async def script(peer: RawPeer) -> None:
        await peer.send(
            TextMessage("[2,", message_finished=False),
            TextMessage('"1","Heartbeat"', message_finished=False),
            TextMessage(",{}]"),
            BytesMessage(b"\x01\x02", message_finished=False),
            BytesMessage(b"\x03"),
            TextMessage("third"),  # same write as the two before it
        )
        await peer.next_event()  # until the client closes

    url = await serve_raw(nursery, serve_peer(script))
    with trio.fail_after(10):
        async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5) as ws:
            assert ws.subprotocol == v201.SUBPROTOCOL
            assert await ws.get_message() == '[2,"1","Heartbeat",{}]'
            assert await ws.get_message() == b"\x01\x02\x03"
            assert await ws.get_message() == "third"


async def test_server_ping_is_answered_while_the_station_waits(nursery: trio.Nursery) -> None:
    pongs: list[bytes] = []

    async def script(peer: RawPeer) -> None:
        await peer.send(Ping(b"are you there"))
        pong = await peer.next_event()
        assert isinstance(pong, Pong)
        pongs.append(bytes(pong.payload))
        await peer.send(TextMessage("after the pong"))
        await peer.next_event()

    url = await serve_raw(nursery, serve_peer(script))
    with trio.fail_after(10):
        async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5) as ws:
            assert await ws.get_message() == "after the pong"
    assert pongs == [b"are you there"]


async def test_a_cancelled_wait_loses_no_message(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def script(peer: RawPeer) -> None:
        await trio.sleep(5)
        await peer.send(TextMessage("late"))
        await peer.next_event()

    url = await serve_raw(nursery, serve_peer(script))
    with trio.fail_after(60):
        async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5) as ws:
            with trio.move_on_after(1) as waited:
                await ws.get_message()
            assert waited.cancelled_caught
            assert await ws.get_message() == "late"


async def test_server_close_ends_the_connection_with_its_code(nursery: trio.Nursery) -> None:
    answers: list[Event] = []

    async def script(peer: RawPeer) -> None:
        await peer.send(TextMessage("last words"), CloseConnection(code=4001, reason="maintenance"))
        answers.append(await peer.next_event())

    url = await serve_raw(nursery, serve_peer(script))
    with trio.fail_after(10):
        async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5) as ws:
            assert await ws.get_message() == "last words"  # delivered before the close
            with pytest.raises(trio_websocket.ConnectionClosed) as closed:
                await ws.get_message()
            assert closed.value.reason is not None
            assert (closed.value.reason.code, closed.value.reason.reason) == (4001, "maintenance")
            assert ws.closed is closed.value.reason
            with pytest.raises(trio_websocket.ConnectionClosed):
                await ws.send_message("too late")
    assert len(answers) == 1 and isinstance(answers[0], CloseConnection) and answers[0].code == 4001


async def test_client_close_is_a_close_handshake(nursery: trio.Nursery) -> None:
    received: list[Event] = []

    async def script(peer: RawPeer) -> None:
        received.append(await peer.next_event())
        close = await peer.next_event()
        received.append(close)
        assert isinstance(close, CloseConnection)
        await peer.send(close.response())

    url = await serve_raw(nursery, serve_peer(script))
    with trio.fail_after(10):
        async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5) as ws:
            await ws.send_message("bye")
    assert isinstance(received[0], TextMessage) and received[0].data == "bye"
    assert isinstance(received[1], CloseConnection) and received[1].code == 1000


async def test_close_against_a_silent_peer_is_bounded(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def script(peer: RawPeer) -> None:
        await trio.sleep_forever()  # never answers the close frame

    url = await serve_raw(nursery, serve_peer(script))
    with trio.fail_after(60):
        start = trio.current_time()
        async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5, close_timeout=3):
            pass
        assert 3 <= trio.current_time() - start < 4


async def test_an_oversized_message_closes_with_1009(nursery: trio.Nursery) -> None:
    answers: list[Event] = []

    async def script(peer: RawPeer) -> None:
        await peer.send(TextMessage("x" * 10, message_finished=False), TextMessage("y" * 10))
        answers.append(await peer.next_event())

    url = await serve_raw(nursery, serve_peer(script))
    with trio.fail_after(10):
        async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5, max_message_size=16) as ws:
            with pytest.raises(trio_websocket.ConnectionClosed) as closed:
                await ws.get_message()
    assert closed.value.reason is not None and closed.value.reason.code == 1009
    assert len(answers) == 1 and isinstance(answers[0], CloseConnection) and answers[0].code == 1009


async def _connect_error(url: str, transport: Transport, **options: Any) -> tuple[str, str]:
    try:
        async with open_station_websocket(
            url, SUBPROTOCOLS, transport=transport, disconnect_timeout=2, **{"connect_timeout": 5, **options}
        ):
            pass
    except Exception as exc:  # what is raised is what the test compares
        return classify_connect_error(exc, url)
    raise AssertionError(f"{transport}: connected to {url}")


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [(401, "auth_rejected", "HTTP 401"), (404, "not_found", "HTTP 404"), (400, "http_status", "HTTP 400")],
)
async def test_refused_upgrades_read_the_same_on_both_transports(
    nursery: trio.Nursery, status: int, kind: str, words: str
) -> None:
    async def reject(request: trio_websocket.WebSocketRequest) -> None:
        await request.reject(status, body=b"go away")

    server = await nursery.start(trio_websocket.serve_websocket, reject, "127.0.0.1", 0, None)
    url = f"ws://127.0.0.1:{server.port}/ocpp/CS-1"
    with trio.fail_after(20):
        errors = {transport: await _connect_error(url, transport) for transport in TRANSPORTS}
    assert errors["lean"] == errors["trio-websocket"]
    assert errors["lean"][0] == kind
    assert words in errors["lean"][1] and "go away" in errors["lean"][1]


async def test_a_silent_server_is_a_connect_timeout_on_both_transports(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def silent(stream: trio.SocketStream) -> None:
        async with stream:
            await trio.sleep_forever()

    url = await serve_raw(nursery, silent)
    with trio.fail_after(60):
        errors = {transport: await _connect_error(url, transport) for transport in TRANSPORTS}
    assert errors["lean"] == errors["trio-websocket"]
    assert errors["lean"][0] == "timeout"


async def test_garbage_instead_of_an_upgrade_fails_at_once_not_at_the_timeout(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    rng = random.Random(6)
    blobs = [b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", b"\x00\xff garbage \r\n\r\n", b""]
    blobs += [rng.randbytes(rng.randint(1, 300)) + b"\r\n\r\n" for _ in range(12)]
    for blob in blobs:

        async def answer(stream: trio.SocketStream, blob: bytes = blob) -> None:
            async with stream:
                await stream.receive_some(65536)
                if blob:
                    await stream.send_all(blob)
                    await trio.sleep_forever()  # keep the connection open: only the bytes decide

        url = await serve_raw(nursery, answer)
        start = trio.current_time()
        with trio.fail_after(60):
            kind, message = await _connect_error(url, "lean", connect_timeout=30)
        assert trio.current_time() - start < 1, (blob, message)
        assert kind in {"connect_error", "http_status"}, (blob, kind, message)
        assert url in message


async def test_a_refusal_whose_body_ends_with_the_connection_keeps_its_status(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def refuse(stream: trio.SocketStream) -> None:
        async with stream:
            await stream.receive_some(65536)
            await stream.send_all(b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\nstation blocked")

    url = await serve_raw(nursery, refuse)
    with trio.fail_after(60):
        kind, message = await _connect_error(url, "lean", connect_timeout=30)
    assert kind == "http_status"
    assert "HTTP 403" in message and "station blocked" in message


async def test_garbage_after_the_upgrade_closes_the_connection(nursery: trio.Nursery) -> None:
    rng = random.Random(7)
    for _ in range(10):
        blob = rng.randbytes(rng.randint(2, 200))

        async def script(peer: RawPeer, blob: bytes = blob) -> None:
            await peer.stream.send_all(blob)  # then hang up: a frame cut short must not hang the client

        url = await serve_raw(nursery, serve_peer(script))
        with trio.fail_after(10):
            async with open_lean_websocket(url, SUBPROTOCOLS, connect_timeout=5, close_timeout=1) as ws:
                try:
                    while True:  # random bytes may happen to hold a valid frame or two
                        message = await ws.get_message()
                        assert isinstance(message, (str, bytes))
                except trio_websocket.ConnectionClosed as closed:
                    assert closed.reason is not None and closed.reason.code >= 1000
