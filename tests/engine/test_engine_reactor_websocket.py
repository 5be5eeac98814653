"""The reactor's WebSocket client side against peers in the test: the protocol corners (pings,
fragments, close handshakes, oversized messages, garbage, a peer that hangs up), and one line per
way a connect fails (refusals, timeouts, garbage answers, TLS). A whole fleet over the reactor:
test_engine_fleet_run.py."""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio
import trio.testing
import trio_websocket
from _reactor_support import NO_RECONNECT, ErrorLog, ReactorStation, RecordingStation
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

from fleet.engine import CsmsUnreachable, FleetConfig, run_fleet
from fleet.metrics import RunRecorder
from fleet.ocpp import v201
from fleet.station import Station, StationConfig

MAX_MESSAGE = 2**20  # fleet.connection's ClientFramer: a longer message is closed with 1009


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
    """Serve ``handler`` on a loopback port; the base URL (a station appends its id)."""
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    nursery.start_soon(trio.serve_listeners, handler, listeners)
    return f"ws://127.0.0.1:{port}/ocpp"


def serve_peer(script: Callable[[RawPeer], Awaitable[None]]) -> Handler:
    async def handler(stream: trio.SocketStream) -> None:
        async with stream:
            peer = RawPeer(stream)
            await peer.accept()
            await script(peer)

    return handler


async def start_station(
    nursery: trio.Nursery, url: str, station: RecordingStation, *, close_timeout_s: float = 2.0
) -> tuple[ReactorStation, ErrorLog]:
    recorder = ErrorLog()
    running = ReactorStation(
        f"{url}/CS-1", station, recorder, backoff=NO_RECONNECT, close_timeout_s=close_timeout_s
    )
    await nursery.start(running.run)
    return running, recorder


async def run_until_disconnected(nursery: trio.Nursery, url: str, station: RecordingStation) -> ErrorLog:
    """Connect ``station`` to the peer at ``url``; once the peer has ended the connection, stop."""
    with trio.fail_after(10):
        running, recorder = await start_station(nursery, url, station)
        await station.until(lambda: station.disconnects == 1)
        await running.stop()
    return recorder


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
    station = RecordingStation()
    with trio.fail_after(10):
        running, recorder = await start_station(nursery, url, station)
        await station.until(lambda: len(station.received) == 3)
        await running.stop()
    assert station.received == ['[2,"1","Heartbeat",{}]', b"\x01\x02\x03", "third"]
    assert recorder.errors == []


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
    station = RecordingStation()
    with trio.fail_after(10):
        running, _ = await start_station(nursery, url, station)
        await station.until(lambda: bool(station.received))
        await running.stop()
    assert station.received == ["after the pong"]
    assert pongs == [b"are you there"]


async def test_a_timer_fired_while_waiting_loses_no_message(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def script(peer: RawPeer) -> None:
        await trio.sleep(5)
        await peer.send(TextMessage("late"))
        await peer.next_event()

    url = await serve_raw(nursery, serve_peer(script))
    start = trio.current_time()
    station = RecordingStation(timers=(start + 1, start + 3))
    with trio.fail_after(60):
        running, recorder = await start_station(nursery, url, station)
        await station.until(lambda: bool(station.received))
        await running.stop()
    assert station.received == ["late"]
    assert [round(t - start, 3) for t in station.fired] == [1.0, 3.0]
    assert recorder.errors == []


async def test_server_close_ends_the_connection_with_its_code(nursery: trio.Nursery) -> None:
    answers: list[Event] = []

    async def script(peer: RawPeer) -> None:
        await peer.send(TextMessage("last words"), CloseConnection(code=4001, reason="maintenance"))
        answers.append(await peer.next_event())

    url = await serve_raw(nursery, serve_peer(script))
    station = RecordingStation()
    recorder = await run_until_disconnected(nursery, url, station)
    assert station.received == ["last words"]  # delivered before the close
    [(kind, message)] = recorder.errors
    assert kind == "connection_lost"
    assert "the CSMS closed the connection (code 4001, maintenance)" in message
    assert len(answers) == 1 and isinstance(answers[0], CloseConnection) and answers[0].code == 4001


async def test_client_close_is_a_close_handshake(nursery: trio.Nursery) -> None:
    received: list[Event] = []
    got_bye = trio.Event()

    async def script(peer: RawPeer) -> None:
        received.append(await peer.next_event())
        got_bye.set()
        close = await peer.next_event()
        received.append(close)
        assert isinstance(close, CloseConnection)
        await peer.send(close.response())

    url = await serve_raw(nursery, serve_peer(script))
    station = RecordingStation(greeting=("bye",))
    with trio.fail_after(10):
        running, recorder = await start_station(nursery, url, station)
        await got_bye.wait()
        await running.stop()  # the end of the run: a close frame, then the peer's answer
    assert isinstance(received[0], TextMessage) and received[0].data == "bye"
    assert isinstance(received[1], CloseConnection) and received[1].code == 1000
    assert recorder.errors == []


async def test_close_against_a_silent_peer_is_bounded(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def script(peer: RawPeer) -> None:
        await trio.sleep_forever()  # never answers the close frame

    url = await serve_raw(nursery, serve_peer(script))
    station = RecordingStation()
    with trio.fail_after(60):
        running, _ = await start_station(nursery, url, station, close_timeout_s=3)
        await station.until(lambda: station.connects == 1)
        start = trio.current_time()
        await running.stop()
        assert 3 <= trio.current_time() - start < 4


async def test_an_oversized_message_closes_with_1009(nursery: trio.Nursery) -> None:
    answers: list[Event] = []

    async def script(peer: RawPeer) -> None:
        await peer.send(TextMessage("x" * (MAX_MESSAGE - 5), message_finished=False))
        # the last fragment's header alone says the message is too long (no payload follows: the
        # client reads everything sent, so its close is a FIN, not a reset)
        await peer.stream.send_all(bytes([0x80, 10]))
        answers.append(await peer.next_event())

    url = await serve_raw(nursery, serve_peer(script))
    station = RecordingStation()
    recorder = await run_until_disconnected(nursery, url, station)
    assert station.received == []
    [(kind, message)] = recorder.errors
    assert kind == "connection_lost"
    # the station closed it, and says so (issue 17: "the CSMS closed the connection")
    too_big = f"fragmented message of {MAX_MESSAGE + 5} bytes over the limit of {MAX_MESSAGE} (1009)"
    assert f"the station closed the connection: {too_big}" in message
    assert len(answers) == 1 and isinstance(answers[0], CloseConnection) and answers[0].code == 1009


async def test_broken_frames_get_a_callerror_and_an_oversized_one_a_close_from_the_station(
    nursery: trio.Nursery,
) -> None:
    """A real station core behind the reactor, against a CSMS that sends what no OCPP-J peer may."""
    callerrors: list[list[Any]] = []
    closes: list[CloseConnection] = []
    done = trio.Event()

    async def script(peer: RawPeer) -> None:
        boot = await peer.next_event()
        assert isinstance(boot, TextMessage)
        accepted = {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z", "interval": 300}
        await peer.send(TextMessage(json.dumps([3, json.loads(boot.data)[1], accepted])))
        broken: list[str | bytes] = [
            "not json",
            b"\x00\x01",
            '{"messageId": "a1"}',
            '[2, 17, "ClearCache", {}]',
        ]
        await peer.send(*(TextMessage(b) if isinstance(b, str) else BytesMessage(b) for b in broken))
        while len(callerrors) < len(broken):
            event = await peer.next_event()
            if isinstance(event, TextMessage) and json.loads(event.data)[0] == 4:
                callerrors.append(json.loads(event.data))
        # one frame's header over the limit, no payload (the station closes on the header alone)
        await peer.stream.send_all(bytes([0x82, 127]) + struct.pack("!Q", MAX_MESSAGE + 1))
        while not closes:
            event = await peer.next_event()
            if isinstance(event, CloseConnection):
                closes.append(event)
        done.set()
        await trio.sleep_forever()

    url = await serve_raw(nursery, serve_peer(script))
    recorder = ErrorLog()
    station = Station(StationConfig(station_id="CS-1"), random.Random(1))
    running = ReactorStation(f"{url}/CS-1", station, recorder, backoff=NO_RECONNECT)
    with trio.fail_after(10):
        await nursery.start(running.run)
        await done.wait()
        await running.stop()
    # each answered under message id "-1": its own could not be read (OCPP 2.0.1 part 4, 4.2.3)
    assert [frame[:3] for frame in callerrors] == [[4, "-1", "RpcFrameworkError"]] * 4
    refused = [message for kind, message in recorder.errors if kind == "protocol_error"]
    assert len(refused) == 4
    assert all("refused a frame from the CSMS (RpcFrameworkError): " in m for m in refused)
    assert not any("CSMS sent" in message for _, message in recorder.errors)
    assert closes[0].code == 1009
    [lost] = [message for kind, message in recorder.errors if kind == "connection_lost"]
    too_big = f"frame of {MAX_MESSAGE + 1} bytes over the limit of {MAX_MESSAGE} (1009)"
    assert f"the station closed the connection: {too_big}" in lost


async def test_garbage_after_the_upgrade_closes_the_connection(nursery: trio.Nursery) -> None:
    rng = random.Random(7)
    for _ in range(10):
        blob = rng.randbytes(rng.randint(2, 200))

        async def script(peer: RawPeer, blob: bytes = blob) -> None:
            await peer.stream.send_all(blob)  # then hang up: a frame cut short must not hang the client

        url = await serve_raw(nursery, serve_peer(script))
        station = RecordingStation()
        recorder = await run_until_disconnected(nursery, url, station)
        assert all(isinstance(message, str | bytes) for message in station.received)  # maybe a valid frame
        assert [kind for kind, _ in recorder.errors] == ["connection_lost"], (blob, recorder.errors)


async def test_a_peer_that_hangs_up_is_a_lost_connection(nursery: trio.Nursery) -> None:
    async def script(peer: RawPeer) -> None:
        await peer.send(TextMessage("hello"))  # then the TCP connection ends, no close frame

    url = await serve_raw(nursery, serve_peer(script))
    station = RecordingStation()
    recorder = await run_until_disconnected(nursery, url, station)
    assert station.received == ["hello"]
    [(kind, message)] = recorder.errors
    assert kind == "connection_lost" and "closed the TCP connection without a close frame" in message


# --- connect failures: what the fleet's reachability probe reports ---------------------------


def _station(index: int, station_id: str, rng: random.Random, now: float) -> Station:
    return Station(StationConfig(station_id=station_id), rng)


async def _unreachable(url: str, connect_timeout_s: float = 5.0) -> CsmsUnreachable:
    """Run a one-station fleet against ``url``: the probe's verdict."""
    config = FleetConfig(csms_url=url, stations=1, duration_s=600, connect_timeout_s=connect_timeout_s)
    try:
        await run_fleet(config, _station, RunRecorder())
    except CsmsUnreachable as exc:
        return exc
    raise AssertionError(f"connected to {url}")


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [(401, "auth_rejected", "HTTP 401"), (404, "not_found", "HTTP 404"), (400, "http_status", "HTTP 400")],
)
async def test_refused_upgrades_name_their_status_and_body(
    nursery: trio.Nursery, status: int, kind: str, words: str
) -> None:
    async def reject(request: trio_websocket.WebSocketRequest) -> None:
        await request.reject(status, body=b"go away")

    server = await nursery.start(trio_websocket.serve_websocket, reject, "127.0.0.1", 0, None)
    url = f"ws://127.0.0.1:{server.port}/ocpp"
    with trio.fail_after(20):
        unreachable = await _unreachable(url)
    assert unreachable.kind == kind
    assert f"{url}/SIM-00000" in unreachable.message
    assert words in unreachable.message and "go away" in unreachable.message


async def test_a_silent_server_is_a_connect_timeout(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    async def silent(stream: trio.SocketStream) -> None:
        async with stream:
            await trio.sleep_forever()

    url = await serve_raw(nursery, silent)
    start = trio.current_time()
    with trio.fail_after(60):
        unreachable = await _unreachable(url, connect_timeout_s=5)
    assert unreachable.kind == "timeout"
    assert 5 <= trio.current_time() - start < 6


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
            unreachable = await _unreachable(url, connect_timeout_s=30)
        kind, message = unreachable.kind, unreachable.message
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
        unreachable = await _unreachable(url, connect_timeout_s=30)
    assert unreachable.kind == "http_status"
    assert "HTTP 403" in unreachable.message and "station blocked" in unreachable.message


@pytest.mark.parametrize("answer", [b"HTTP/1.1 400 Bad Request\r\n\r\n", b""], ids=["plain-http", "hang-up"])
async def test_wss_to_a_server_that_does_not_speak_tls_fails_at_once(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery, answer: bytes
) -> None:
    async def not_tls(stream: trio.SocketStream) -> None:
        async with stream:
            await stream.receive_some(65536)  # the ClientHello
            if answer:
                await stream.send_all(answer)
                await trio.sleep_forever()

    url = (await serve_raw(nursery, not_tls)).replace("ws://", "wss://")
    start = trio.current_time()
    with trio.fail_after(60):
        unreachable = await _unreachable(url, connect_timeout_s=30)
    assert trio.current_time() - start < 1, unreachable.message
    assert unreachable.kind == "tls", unreachable.message
    assert "TLS handshake failed" in unreachable.message and url in unreachable.message
