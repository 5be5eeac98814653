"""The Locust user's I/O (fleet.locust._link.SocketLink) in-process, without gevent: the loop
runs in a thread over plain blocking sockets, against small socket servers and the embedded CSMS
(trio, in this process). What it reports is what a Locust user reports, and the frames a station
exchanges through it are those the trio engine's reactor exchanges for the same station."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import trio
import trustme
from _locust_support import open_csms

from fleet.behaviour import Backoff, SpeedClock
from fleet.connection import ConnectionSettings, Phase, StationConnection, station_credentials
from fleet.csms import CsmsConfig, CsmsSecurity, CsmsServer, serve_csms
from fleet.engine._clock import trio_speed_clock
from fleet.engine._reactor import Reactor
from fleet.identity import LOCUST_OPTIONS, ClientSecurity, StationIdentity
from fleet.locust import FleetOptions
from fleet.locust._link import SocketLink
from fleet.locust._reporting import ConnectionFailed, EventReporter
from fleet.locust._stations import Shell, StationBuilder
from fleet.ocpp import v201

STATION_ID = "LNK-00000"
WALL_CLOCK_START = 1_750_000_000.0  # the stations' wall clock at their start, whichever shell
FAST_RETRY = Backoff(initial_s=0.05, factor=1.0, max_s=0.05)


@dataclass
class Fired:
    """Locust's request event, kept."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def rows(self, name: str) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["name"] == name]

    def failures(self) -> list[str]:
        return [str(call["exception"]) for call in self.calls if call["exception"] is not None]


@dataclass
class Frames:
    """A FrameSink: (simulated time, frame) of everything sent and received."""

    sent: list[tuple[float, str]] = field(default_factory=list)
    received: list[tuple[float, str]] = field(default_factory=list)

    def sent_frame(self, now: float, station_id: str, frame: str) -> None:
        self.sent.append((now, frame))

    def received_frame(self, now: float, station_id: str, frame: str | bytes) -> None:
        self.received.append((now, frame if isinstance(frame, str) else frame.decode()))


class _Capture:
    def __init__(self, frames: Frames) -> None:
        self.sent = frames.sent_frame
        self.received = frames.received_frame


def _station(clock: SpeedClock, seed: int = 5) -> Shell:
    """The station a Locust user with these options builds (the simple driver, 2 EVSEs)."""
    options = FleetOptions(seed=seed, speed=clock.speed)
    builder = StationBuilder(options, epoch=WALL_CLOCK_START - clock.origin)
    return builder.build(STATION_ID, clock.now())


def _connection(
    url: str,
    host: str,
    station: Shell,
    clock: SpeedClock,
    reporter: EventReporter,
    *,
    security: ClientSecurity | None = None,
    password: str | None = None,
    backoff: Backoff = FAST_RETRY,
    capture: Frames | None = None,
) -> StationConnection:
    """As StationUser.run_station builds it."""
    settings = ConnectionSettings(
        clock,
        connect_timeout_s=2.0,
        close_timeout_s=1.0,
        reboot_delay_s=0.1,
        backoff=backoff,
        option_names=LOCUST_OPTIONS,
    )
    credentials = station_credentials(
        security or ClientSecurity(names=LOCUST_OPTIONS),
        StationIdentity(STATION_ID, password=password),
        station,
    )
    return StationConnection(
        STATION_ID,
        station,
        url,
        settings,
        reporter,
        random.Random(1),
        credentials,
        capture=_Capture(capture) if capture is not None else None,
        where=host,
    )


def _link(
    host: str, *, capture: Frames | None = None, clock: SpeedClock | None = None, **kwargs: Any
) -> tuple[SocketLink, Fired]:
    """The link and the Locust rows of one user's station connecting to ``host``."""
    fired = Fired()
    clock = clock or SpeedClock(origin=time.monotonic())
    reporter = EventReporter(fired, "OCPP2.0.1", STATION_ID)
    conn = _connection(
        f"{host}/{STATION_ID}", host, _station(clock), clock, reporter, capture=capture, **kwargs
    )
    return SocketLink(conn, reporter, connect_timeout_s=2.0, close_timeout_s=1.0), fired


def _run_for(link: SocketLink, seconds: float) -> None:
    link.run(until=time.monotonic() + seconds)


# --- small servers ---------------------------------------------------------------------------


@contextmanager
def _server(handle: Callable[[bytes, socket.socket], None]) -> Iterator[tuple[str, list[bytes]]]:
    """A loopback server answering every connection with ``handle`` (in a thread); yields its
    ws:// base URL and the requests it read."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    requests: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                peer, _ = listener.accept()
            except OSError:
                return  # the listener is closed: the test is over
            with peer:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = peer.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                requests.append(request)
                handle(request, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{port}/ocpp", requests
    finally:
        listener.close()
        thread.join(timeout=5)


def _refuse_with_401(request: bytes, peer: socket.socket) -> None:
    body = f"wrong user name or password for station {STATION_ID!r}\n".encode()
    peer.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def _accept_then_hang_up(request: bytes, peer: socket.socket) -> None:
    """Upgrade to the station's subprotocol, then close TCP without a close frame."""
    key = re.search(rb"Sec-WebSocket-Key: (\S+)", request)
    assert key is not None
    accept = base64.b64encode(hashlib.sha1(key[1] + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    peer.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n"
        b"Sec-WebSocket-Protocol: " + v201.SUBPROTOCOL.encode() + b"\r\n\r\n"
    )
    peer.recv(65536)  # the BootNotification


# --- failures ----------------------------------------------------------------------------------


def test_a_refused_connect_is_reported_and_retried_as_the_core_backs_off(unused_port: int) -> None:
    host = f"ws://127.0.0.1:{unused_port}/ocpp"
    link, fired = _link(host)
    _run_for(link, 0.6)
    link.stop()
    connects = fired.rows("connect")
    # a retry every 25-50 ms (the backoff's jitter): the core decides, the loop only follows
    assert 6 <= len(connects) <= 30, connects
    assert {str(row["exception"]) for row in connects} == {
        f"refused: {host}: connection refused (is the CSMS running and listening on that port?)"
    }
    assert all(isinstance(row["exception"], ConnectionFailed) for row in connects)
    assert {row["request_type"] for row in connects} == {"WebSocket"}
    assert link.sock is None and link.conn.phase is Phase.STOPPED


def test_a_refused_password_is_auth_rejected_with_the_locust_option_names() -> None:
    with _server(_refuse_with_401) as (host, requests):
        link, fired = _link(host, security=ClientSecurity(1, names=LOCUST_OPTIONS), password="guess")
        _run_for(link, 0.3)
        link.stop()
    failures = set(fired.failures())
    assert failures == {
        f"auth_rejected: {host}: HTTP 401: wrong user name or password for station '<station id>'; "
        "the CSMS refused the station's password: check --fleet-password or --fleet-password-pattern"
    }
    assert len(fired.rows("connect")) >= 2
    # the core's handshake sent the credentials: Basic auth, user = station id
    token = base64.b64encode(f"{STATION_ID}:guess".encode())
    assert all(f"GET /ocpp/{STATION_ID} HTTP/1.1".encode() in request for request in requests)
    assert all(b"Authorization: Basic " + token in request for request in requests)


def test_a_connection_the_csms_drops_is_lost_and_reconnected_by_the_core() -> None:
    with _server(_accept_then_hang_up) as (host, requests):
        link, fired = _link(host)
        _run_for(link, 0.4)
        link.stop()
    connects, lost = fired.rows("connect"), fired.rows("connection lost")
    assert len(connects) >= 2 and all(row["exception"] is None for row in connects)
    assert len(lost) >= 1
    assert {str(row["exception"]) for row in lost} == {
        f"connection lost ({host}: the CSMS closed the connection (the peer closed the TCP "
        "connection without a close frame))"
    }
    assert len(requests) == len(connects)


async def test_an_untrusted_csms_certificate_names_the_locust_options(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert_file, key_file = str(tmp_path / "csms.pem"), str(tmp_path / "csms.key")
    issued = ca.issue_cert("127.0.0.1")
    issued.cert_chain_pems[0].write_to_path(cert_file)
    issued.private_key_pem.write_to_path(key_file)
    security = CsmsSecurity(2, cert_file=cert_file, key_file=key_file)
    async with trio.open_nursery() as nursery:
        csms: CsmsServer = await nursery.start(partial(serve_csms, security=security), CsmsConfig())
        host = f"{csms.url}/ocpp"
        # no --fleet-ca-file: the system store does not know the test CA
        link, fired = _link(host, security=ClientSecurity(2, names=LOCUST_OPTIONS), password="pw")
        await trio.to_thread.run_sync(_run_for, link, 0.3)
        await trio.to_thread.run_sync(link.stop)
        nursery.cancel_scope.cancel()
    failures = set(fired.failures())
    assert len(failures) == 1, failures
    (failure,) = failures
    assert failure.startswith(f"server_certificate: {host}: the CSMS's TLS certificate is not trusted")
    assert "give its CA with --fleet-ca-file (--fleet-insecure only for a test CSMS)" in failure


# --- against the embedded CSMS -----------------------------------------------------------------


async def test_a_station_boots_and_a_stop_closes_politely_reporting_nothing() -> None:
    async with open_csms() as csms:
        host = f"{csms.url}/ocpp"
        link, fired = _link(host, clock=SpeedClock(speed=4.0, origin=time.monotonic()))
        await trio.to_thread.run_sync(_run_for, link, 1.0)
        assert link.conn.connected and link.sock is not None
        seen = len(fired.calls)
        await trio.to_thread.run_sync(link.stop)
        booted = set(csms.ledger.stations_booted)
    assert len(fired.calls) == seen  # the stop reported nothing
    assert link.sock is None and link.conn.wants_close  # the CSMS answered the close frame in time
    assert booted == {STATION_ID}
    (connect,) = fired.rows("connect")
    assert connect["exception"] is None and 0 < connect["response_time"] < 1000
    (boot,) = fired.rows("BootNotification")
    assert boot["request_type"] == "OCPP2.0.1" and boot["exception"] is None
    assert boot["response_length"] > 0  # the size of the data that answered it
    assert len(fired.rows("StatusNotification")) >= 2
    assert fired.failures() == []


_TIMESTAMP = re.compile(r'"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?"')
SPEED = 10.0
RUN_S = 1.7  # 17 simulated seconds: the boot, and the two sessions this station starts by then


def _comparable(frames: list[tuple[float, str]]) -> list[str]:
    """The frames with their timestamps masked (the shells' clocks differ by their jitter)."""
    return [_TIMESTAMP.sub('"<time>"', frame) for _, frame in frames]


def _common(ours: list[str], theirs: list[str]) -> tuple[list[str], list[str]]:
    """Both up to the shorter (on a loaded machine one run may end before its last answer)."""
    n = min(len(ours), len(theirs))
    return ours[:n], theirs[:n]


async def _frames_through_the_reactor(host: str) -> Frames:
    """The same station (id, seed, wall clock) driven by the trio engine's reactor."""
    frames = Frames()
    clock = trio_speed_clock(SPEED, origin=trio.current_time())
    reporter = EventReporter(Fired(), "OCPP2.0.1", STATION_ID)
    conn = _connection(f"{host}/{STATION_ID}", host, _station(clock), clock, reporter, capture=frames)
    reactor = Reactor(close_timeout_s=1.0)
    await reactor.resolve(conn.url)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(reactor.run)
        reactor.add(conn)
        await trio.sleep(RUN_S)
        nursery.cancel_scope.cancel()
    return frames


async def test_a_locust_user_and_the_trio_engine_exchange_the_same_frames() -> None:
    """One station (same id, seed and wall clock), each shell against a fresh embedded CSMS: the
    same frames both ways, the transaction ids and id tokens included."""
    async with open_csms() as csms:
        link_frames = Frames()
        clock = SpeedClock(speed=SPEED, origin=time.monotonic())
        link, fired = _link(f"{csms.url}/ocpp", capture=link_frames, clock=clock)
        await trio.to_thread.run_sync(_run_for, link, RUN_S)
        await trio.to_thread.run_sync(link.stop)
    async with open_csms() as csms:
        reactor_frames = await _frames_through_the_reactor(f"{csms.url}/ocpp")
    sent, sent_by_reactor = _common(_comparable(link_frames.sent), _comparable(reactor_frames.sent))
    assert sent == sent_by_reactor
    received = _common(_comparable(link_frames.received), _comparable(reactor_frames.received))
    assert received[0] == received[1]
    actions = [json.loads(frame)[2] for frame in sent]
    # boot, statuses, then a session: a plug-in, Authorize and its TransactionEvent
    assert actions[:6] == ["BootNotification", *["StatusNotification"] * 3, "Authorize", "TransactionEvent"]
    assert len(received[0]) >= 6
    assert fired.failures() == []
