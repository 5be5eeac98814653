"""One station's connection driven as a shell drives it, without sockets: bytes and real times
in, bytes, wake-up times and recorder calls out. A canned CSMS written here answers the CALLs;
the connect, upgrade, boot, heartbeat, failure, backoff, close and drain paths are followed end
to end through the recorder, the first-attempt callback and the frames on the wire."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import struct
from dataclasses import dataclass, field

import pytest

from fleet.behaviour import Backoff, SpeedClock
from fleet.connection import ConnectionSettings, Phase, StationConnection, station_credentials
from fleet.identity import ClientSecurity, StationIdentity
from fleet.station import Station, StationConfig

STATION_ID = "CS-1"
CSMS_URL = "ws://csms.example:9000/ocpp"  # what the station's errors name: the URL without its id
URL = f"{CSMS_URL}/{STATION_ID}"
OCPP = "ocpp2.0.1"
HEARTBEAT_INTERVAL_S = 60
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
RFC_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
BOOT_ACCEPTED = {
    "currentTime": "2026-01-01T00:00:00Z",
    "interval": HEARTBEAT_INTERVAL_S,
    "status": "Accepted",
}
ANSWERS: dict[str, dict[str, object]] = {
    "BootNotification": BOOT_ACCEPTED,
    "Heartbeat": {"currentTime": "2026-01-01T00:00:00Z"},
}


# --- the recorder and the drain, as lists --------------------------------------------------------


@dataclass
class FakeRecorder:
    """A fleet.connection.Recorder that keeps every call, in order."""

    calls: list[tuple[object, ...]] = field(default_factory=list)

    def named(self, name: str) -> list[tuple[object, ...]]:
        return [call[1:] for call in self.calls if call[0] == name]

    def count(self, name: str) -> int:
        return len(self.named(name))

    def errors(self) -> list[tuple[str, str]]:
        return [(str(kind), str(message)) for kind, message, _, _ in self.named("error")]

    def error_stations(self) -> list[tuple[object, object]]:
        """(station id, seconds since the run started) of each error."""
        return [(station_id, at_s) for _, _, station_id, at_s in self.named("error")]

    def call_succeeded(self, action: str, latency_s: float) -> None:
        self.calls.append(("call_succeeded", action, latency_s))

    def call_failed(self, action: str, error_code: str, latency_s: float) -> None:
        self.calls.append(("call_failed", action, error_code, latency_s))

    def request_answered(self, action: str, error_code: str | None) -> None:
        self.calls.append(("request_answered", action, error_code))

    def error(
        self, kind: str, message: str, *, station_id: str | None = None, at_s: float | None = None
    ) -> None:
        self.calls.append(("error", kind, message, station_id, at_s))

    def station_connected(self) -> None:
        self.calls.append(("station_connected",))

    def station_disconnected(self) -> None:
        self.calls.append(("station_disconnected",))

    def station_booted(self) -> None:
        self.calls.append(("station_booted",))

    def reconnect(self) -> None:
        self.calls.append(("reconnect",))

    def transaction_started(self) -> None:
        self.calls.append(("transaction_started",))

    def transaction_ended(self, energy_wh: float) -> None:
        self.calls.append(("transaction_ended", energy_wh))

    def energy_metered(self, wh: float) -> None:
        self.calls.append(("energy_metered", wh))

    def message_dropped(self, action: str, reason: str) -> None:
        self.calls.append(("message_dropped", action, reason))

    def timer_fired(self, lateness_s: float) -> None:
        self.calls.append(("timer_fired", lateness_s))


@dataclass
class FakeDrain:
    """A fleet.connection.DrainSink that keeps every call."""

    answers: list[str | None] = field(default_factory=list)
    updates: list[tuple[str, int]] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def answered(self, error_code: str | None = None) -> None:
        self.answers.append(error_code)

    def update(self, station_id: str, unanswered: int) -> None:
        self.updates.append((station_id, unanswered))

    def leave(self, station_id: str) -> None:
        self.left.append(station_id)


# --- the CSMS's side of the wire -----------------------------------------------------------------


def server_frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked server frame (RFC 6455 5.2), payload below 64 KiB."""
    n = len(payload)
    head = bytes([0x80 | opcode, n]) if n < 126 else bytes([0x80 | opcode, 126]) + struct.pack("!H", n)
    return head + payload


def server_text(text: str) -> bytes:
    return server_frame(TEXT, text.encode())


def server_close(code: int, reason: str) -> bytes:
    return server_frame(CLOSE, struct.pack("!H", code) + reason.encode())


def client_frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, unmasked payload) of each frame a client sent; each must be masked and final."""
    frames = []
    at = 0
    while at < len(data):
        first, second = data[at], data[at + 1]
        assert first & 0x80 and not first & 0x70, f"not a final frame without RSV bits: {first:#x}"
        assert second & 0x80, "a client frame must be masked (RFC 6455 5.3)"
        size = second & 0x7F
        at += 2
        if size == 126:
            (size,) = struct.unpack_from("!H", data, at)
            at += 2
        elif size == 127:
            (size,) = struct.unpack_from("!Q", data, at)
            at += 8
        key = data[at : at + 4]
        at += 4
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(data[at : at + size]))
        assert len(payload) == size
        at += size
        frames.append((first & 0x0F, payload))
    return frames


def calls_in(data: bytes) -> list[tuple[str, str]]:
    """(unique id, action) of each OCPP CALL in the client's frames."""
    calls = []
    for opcode, payload in client_frames(data):
        assert opcode == TEXT
        message = json.loads(payload)
        assert message[0] == 2, message
        calls.append((message[1], message[2]))
    return calls


def answer(data: bytes) -> bytes:
    """A CSMS answering every CALL in the client's frames with a canned CALLRESULT."""
    return b"".join(
        server_text(json.dumps([3, unique_id, ANSWERS.get(action, {})]))
        for unique_id, action in calls_in(data)
    )


def answer_101(request: bytes, subprotocol: str | None = OCPP) -> bytes:
    """The CSMS's 101 to the upgrade request, its accept value per RFC 6455 4.2.2."""
    key = next(line for line in request.split(b"\r\n") if line.startswith(b"Sec-WebSocket-Key: "))[19:]
    accept = base64.b64encode(hashlib.sha1(key + RFC_GUID).digest())
    head = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n"
    )
    if subprotocol is not None:
        head += b"Sec-WebSocket-Protocol: " + subprotocol.encode() + b"\r\n"
    return head + b"\r\n"


# --- stations ------------------------------------------------------------------------------------


@dataclass
class Rig:
    conn: StationConnection
    recorder: FakeRecorder
    first_attempts: list[tuple[str, str] | None]


def make_rig(
    *,
    speed: float = 1.0,
    backoff: Backoff | None = None,
    connect_timeout_s: float = 10.0,
    close_timeout_s: float = 2.0,
    security: ClientSecurity | None = None,
    password: str | None = None,
) -> Rig:
    station = Station(StationConfig(station_id=STATION_ID, evse_count=1), random.Random(7))
    settings = ConnectionSettings(
        SpeedClock(speed=speed, origin=0.0),
        connect_timeout_s=connect_timeout_s,
        close_timeout_s=close_timeout_s,
        backoff=backoff if backoff is not None else Backoff(initial_s=1),
    )
    recorder = FakeRecorder()
    first_attempts: list[tuple[str, str] | None] = []
    credentials = station_credentials(
        security if security is not None else ClientSecurity(), StationIdentity(STATION_ID, password), station
    )
    conn = StationConnection(
        STATION_ID,
        station,
        URL,
        settings,
        recorder,
        random.Random(3),
        credentials,
        first_attempt=first_attempts.append,
    )
    return Rig(conn, recorder, first_attempts)


def phase(conn: StationConnection) -> Phase:
    """The connection's phase, read afresh (mypy would keep the one an earlier assert narrowed)."""
    return conn.phase


def upgrade(conn: StationConnection, now: float, subprotocol: str | None = OCPP) -> bytes:
    """Open the transport and answer the upgrade; the request the station sent."""
    assert conn.wants_transport
    conn.transport_opening(now)
    assert phase(conn) is Phase.CONNECTING
    conn.transport_open(now)
    assert phase(conn) is Phase.UPGRADING
    request = conn.data_to_send()
    conn.receive_data(answer_101(request, subprotocol), now)
    return request


def open_and_boot(conn: StationConnection, now: float) -> None:
    """Connect and answer the boot and status CALLs at once: an idle station, heartbeat armed."""
    upgrade(conn, now)
    for _ in range(10):
        data = conn.data_to_send()
        if not data:
            return
        conn.receive_data(answer(data), now)
        conn.wakeup(now)
    raise AssertionError("the station kept sending")


def fail_to_connect(conn: StationConnection, now: float) -> None:
    conn.transport_opening(now)
    conn.transport_failed(ConnectionRefusedError(111, "refused"), now)
    assert conn.wants_close
    conn.transport_closed(now)


# --- (a) open and boot ---------------------------------------------------------------------------


def test_an_open_connection_sends_a_masked_boot_notification_and_records_its_answer() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    request = upgrade(conn, 1.0)
    assert request.startswith(f"GET /ocpp/{STATION_ID} HTTP/1.1\r\nHost: csms.example:9000\r\n".encode())
    assert f"Sec-WebSocket-Protocol: {OCPP}\r\n".encode() in request
    assert phase(conn) is Phase.OPEN and conn.connected
    assert rig.first_attempts == [None]
    assert recorder.calls == [("station_connected",)]

    sent = conn.data_to_send()
    ((unique_id, action),) = calls_in(sent)  # one masked text frame, a CALL
    assert action == "BootNotification"
    assert conn.data_to_send() == b""
    conn.receive_data(server_text(json.dumps([3, unique_id, BOOT_ACCEPTED])), 1.25)
    assert recorder.named("station_booted") == [()]
    assert recorder.named("call_succeeded") == [("BootNotification", pytest.approx(0.25))]
    assert recorder.errors() == []
    # the answer leads to the station's status, which is answered too
    ((_, status),) = calls_in(conn.data_to_send())
    assert status == "StatusNotification"
    assert rig.first_attempts == [None]  # called once


def test_the_upgrade_request_carries_the_basic_auth_password() -> None:
    rig = make_rig(security=ClientSecurity(profile=1), password="s3cret")
    request = upgrade(rig.conn, 0.0)
    token = base64.b64encode(f"{STATION_ID}:s3cret".encode()).decode()
    assert f"\r\nAuthorization: Basic {token}\r\n".encode() in request
    assert phase(rig.conn) is Phase.OPEN


def test_frames_arriving_with_the_101_are_read_at_once() -> None:
    rig = make_rig()
    conn = rig.conn
    conn.transport_opening(0.0)
    conn.transport_open(0.0)
    request = conn.data_to_send()
    conn.receive_data(answer_101(request) + server_frame(PING, b"hi"), 0.0)
    assert phase(conn) is Phase.OPEN
    frames = client_frames(conn.data_to_send())
    assert (PONG, b"hi") in frames  # the ping that came with the 101 is answered
    assert [json.loads(p)[2] for op, p in frames if op == TEXT] == ["BootNotification"]


# --- (b) timers ----------------------------------------------------------------------------------


def test_the_heartbeat_is_sent_at_next_wakeup_and_its_answer_recorded() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    due = conn.next_wakeup()
    assert due == pytest.approx(HEARTBEAT_INTERVAL_S)  # the interval from the boot answer
    conn.wakeup(due - 0.001)  # not yet
    assert conn.data_to_send() == b""
    assert conn.next_wakeup() == due

    before = len(recorder.calls)
    conn.wakeup(due)
    sent = conn.data_to_send()
    ((_, action),) = calls_in(sent)
    assert action == "Heartbeat"
    assert recorder.calls[before:] == [("timer_fired", 0.0)]
    conn.receive_data(answer(sent), due + 0.05)
    assert recorder.named("call_succeeded")[-1] == ("Heartbeat", pytest.approx(0.05))
    assert conn.next_wakeup() == pytest.approx(due + 0.05 + HEARTBEAT_INTERVAL_S)


def test_a_faster_clock_divides_wakeups_and_latencies_by_its_speed() -> None:
    rig = make_rig(speed=10)
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    due = conn.next_wakeup()
    assert due == pytest.approx(HEARTBEAT_INTERVAL_S / 10)  # simulated 60 s are real 6 s
    conn.wakeup(due)
    sent = conn.data_to_send()
    assert [action for _, action in calls_in(sent)] == ["Heartbeat"]
    conn.receive_data(answer(sent), due + 0.2)  # 2 simulated seconds
    assert recorder.named("call_succeeded")[-1] == ("Heartbeat", pytest.approx(0.2))


# --- (c), (d) failing to connect ------------------------------------------------------------------


def test_a_refused_connect_is_recorded_and_retried_after_a_backoff() -> None:
    rig = make_rig(backoff=Backoff(initial_s=1))
    conn, recorder = rig.conn, rig.recorder
    conn.transport_opening(5.0)
    assert not conn.wants_transport
    conn.transport_failed(ConnectionRefusedError(111, "refused"), 5.0)
    ((kind, message),) = recorder.errors()
    assert kind == "refused"
    # errors are grouped by message: it names the CSMS, the station and the time go on their own
    assert (
        message.startswith(f"{CSMS_URL}:") and STATION_ID not in message and "connection refused" in message
    )
    assert recorder.error_stations() == [(STATION_ID, 5.0)]
    assert conn.wants_close
    # the first attempt's line (what the CLI prints when the CSMS cannot be reached) names the station's URL
    first_line = message.replace(CSMS_URL, URL)
    assert rig.first_attempts == [("refused", first_line)]
    assert recorder.count("reconnect") == 0

    conn.transport_closed(5.0)
    assert phase(conn) is Phase.OFFLINE and not conn.wants_close
    assert recorder.count("reconnect") == 1
    resume = conn.next_wakeup()
    assert 5.0 + 0.5 <= resume <= 5.0 + 1.0  # Backoff(initial_s=1), first attempt: half to all of 1 s
    conn.wakeup(resume - 0.001)
    assert not conn.wants_transport
    conn.wakeup(resume)
    assert conn.wants_transport and phase(conn) is Phase.CONNECT_DUE

    # the next attempt succeeds: the first-attempt callback was told already, and is not again
    open_and_boot(conn, resume)
    assert conn.connected
    assert rig.first_attempts == [("refused", first_line)]
    assert recorder.count("station_connected") == 1
    assert recorder.count("station_disconnected") == 0  # a connect that failed lost nothing


def test_backoff_grows_with_each_failed_attempt_and_resets_after_a_connect() -> None:
    rig = make_rig(backoff=Backoff(initial_s=1, factor=2, max_s=60))
    conn = rig.conn
    now = 0.0
    for attempt in range(1, 5):
        fail_to_connect(conn, now)
        ceiling = 2.0 ** (attempt - 1)
        delay = conn.next_wakeup() - now
        assert ceiling / 2 <= delay <= ceiling, (attempt, delay)
        now += delay
        conn.wakeup(now)
        assert conn.wants_transport
    open_and_boot(conn, now)
    conn.transport_eof(now)  # lost: the first attempt again
    conn.transport_closed(now)
    assert 0.5 <= conn.next_wakeup() - now <= 1.0


@pytest.mark.parametrize("upgrading", [False, True], ids=["tcp", "upgrade"])
def test_no_answer_within_the_connect_timeout_is_a_timeout(upgrading: bool) -> None:
    rig = make_rig(connect_timeout_s=10.0)
    conn, recorder = rig.conn, rig.recorder
    conn.transport_opening(3.0)
    if upgrading:
        conn.transport_open(3.0)
        assert conn.data_to_send().startswith(b"GET ")
    assert conn.next_wakeup() == 13.0
    conn.wakeup(12.999)
    assert recorder.errors() == [] and not conn.wants_close
    conn.wakeup(13.0)
    ((kind, message),) = recorder.errors()
    assert kind == "timeout"
    assert CSMS_URL in message and STATION_ID not in message and "connect timeout" in message
    assert recorder.error_stations() == [(STATION_ID, 13.0)]
    assert conn.wants_close
    assert rig.first_attempts == [("timeout", message.replace(CSMS_URL, URL))]
    conn.transport_closed(13.0)
    assert phase(conn) is Phase.OFFLINE
    assert 13.5 <= conn.next_wakeup() <= 14.0


# --- (e), (f) an open connection lost --------------------------------------------------------------


def test_a_close_frame_from_the_csms_is_a_lost_connection_answered_and_retried() -> None:
    rig = make_rig(backoff=Backoff(initial_s=1))
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    conn.receive_data(server_close(1001, "going away"), 20.0)
    ((kind, message),) = recorder.errors()
    assert kind == "connection_lost"
    assert STATION_ID not in message and "code 1001" in message and "going away" in message
    assert recorder.error_stations() == [(STATION_ID, 20.0)]
    # our close reply: masked, opcode 8, the peer's code echoed
    assert client_frames(conn.data_to_send()) == [(CLOSE, struct.pack("!H", 1001))]
    assert recorder.count("station_disconnected") == 1
    assert not conn.connected
    assert conn.wants_close
    assert recorder.count("reconnect") == 0

    conn.transport_closed(20.0)
    assert phase(conn) is Phase.OFFLINE
    assert recorder.count("reconnect") == 1
    resume = conn.next_wakeup()
    assert 20.5 <= resume <= 21.0
    conn.wakeup(resume)
    assert conn.wants_transport

    # back again: the same power cycle, so no second boot, only the status
    upgrade(conn, resume)
    assert [action for _, action in calls_in(conn.data_to_send())] == ["StatusNotification"]
    assert recorder.count("station_connected") == 2
    assert recorder.count("station_booted") == 1


def test_a_tcp_close_without_a_close_frame_is_a_lost_connection() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    conn.transport_eof(30.0)
    ((kind, message),) = recorder.errors()
    assert kind == "connection_lost"
    assert "without a close frame" in message
    assert recorder.count("station_disconnected") == 1
    assert conn.wants_close
    assert conn.data_to_send() == b""  # nobody to say goodbye to
    conn.transport_closed(30.0)
    assert phase(conn) is Phase.OFFLINE
    assert recorder.count("reconnect") == 1


def test_a_frame_breaking_the_websocket_protocol_loses_the_connection_with_code_1002() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    conn.receive_data(bytes([0x80 | 0x40 | TEXT, 1]) + b"x", 5.0)  # RSV1 without an extension
    ((kind, message),) = recorder.errors()
    assert kind == "connection_lost"
    # the station closed it, not the CSMS (issue 17: it read "the CSMS closed the connection")
    assert "the station closed the connection: reserved bits set (1002)" in message
    assert "the CSMS closed" not in message
    ((opcode, payload),) = client_frames(conn.data_to_send())
    assert (opcode, payload[:2]) == (CLOSE, struct.pack("!H", 1002))
    assert conn.wants_close


def test_a_frame_over_the_size_limit_is_closed_by_the_station_with_1009_and_reported_so() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    size = 2**20 + 1
    conn.receive_data(bytes([0x80 | TEXT, 127]) + struct.pack("!Q", size), 5.0)  # the head is enough
    ((kind, message),) = recorder.errors()
    assert kind == "connection_lost"
    assert (
        f"the station closed the connection: frame of {size} bytes over the limit of {2**20} (1009)"
        in message
    )
    assert "the CSMS closed" not in message
    ((opcode, payload),) = client_frames(conn.data_to_send())
    assert (opcode, payload[:2]) == (CLOSE, struct.pack("!H", 1009))
    assert conn.wants_close


# --- (g) upgrades refused ------------------------------------------------------------------------


def test_an_upgrade_refused_with_http_401_is_auth_rejected() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    conn.transport_opening(0.0)
    conn.transport_open(0.0)
    conn.data_to_send()
    conn.receive_data(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\n\r\nbad ", 0.1)
    assert recorder.errors() == []  # the body is not complete yet
    conn.receive_data(b"password", 0.1)
    ((kind, message),) = recorder.errors()
    assert kind == "auth_rejected"
    assert CSMS_URL in message and STATION_ID not in message and "HTTP 401: bad password" in message
    assert conn.wants_close and not conn.connected
    assert recorder.count("station_connected") == 0
    assert rig.first_attempts == [("auth_rejected", message.replace(CSMS_URL, URL))]


def test_an_upgrade_refused_with_a_404_told_by_eof_is_not_found() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    conn.transport_opening(0.0)
    conn.transport_open(0.0)
    conn.data_to_send()
    conn.receive_data(b"HTTP/1.1 404 Not Found\r\n\r\nno such station", 0.1)
    assert recorder.errors() == []
    conn.transport_eof(0.1)
    ((kind, message),) = recorder.errors()
    assert kind == "not_found"
    assert "HTTP 404: no such station" in message
    assert conn.wants_close


def test_a_101_without_a_subprotocol_is_refused_as_subprotocol() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    upgrade(conn, 0.0, subprotocol=None)
    ((kind, message),) = recorder.errors()
    assert kind == "subprotocol"
    assert repr(OCPP) in message
    assert conn.wants_close and not conn.connected
    assert recorder.count("station_connected") == 0


def test_a_101_selecting_another_subprotocol_is_refused_as_subprotocol() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    upgrade(conn, 0.0, subprotocol="ocpp1.6")
    assert conn.wants_close and not conn.connected
    ((kind, message),) = recorder.errors()
    assert kind == "subprotocol"
    assert repr(OCPP) in message and "'ocpp1.6'" in message


def test_a_101_selecting_another_subprotocol_fails_the_connection() -> None:
    # whatever it is called (see the test above), the connection is not used
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    upgrade(conn, 0.0, subprotocol="ocpp1.6")
    assert conn.wants_close and not conn.connected
    ((_, message),) = recorder.errors()
    assert "'ocpp1.6'" in message
    assert recorder.count("station_connected") == 0
    assert conn.data_to_send() == b""  # no BootNotification went out


def test_a_peer_closing_during_the_upgrade_is_a_handshake_failure() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    conn.transport_opening(0.0)
    conn.transport_open(0.0)
    conn.transport_eof(0.5)
    ((kind, message),) = recorder.errors()
    assert kind == "connect_error"
    assert "before answering the WebSocket upgrade" in message


# --- (h) our close -------------------------------------------------------------------------------


def test_close_while_open_says_goodbye_and_waits_for_the_peers_close() -> None:
    rig = make_rig(close_timeout_s=2.0)
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    conn.close(10.0)
    assert phase(conn) is Phase.CLOSING
    assert not conn.connected and not conn.wants_close
    ((opcode, payload),) = client_frames(conn.data_to_send())
    assert (opcode, payload) == (CLOSE, struct.pack("!H", 1000))
    assert conn.next_wakeup() == 12.0
    conn.receive_data(server_text("late") + server_close(1000, ""), 10.5)
    assert conn.wants_close
    assert conn.data_to_send() == b""  # our close was sent already
    assert recorder.count("station_disconnected") == 0  # the stop is not a lost connection
    assert recorder.errors() == []
    conn.transport_closed(10.6)  # the shell closed the socket: the station stays stopped
    assert phase(conn) is Phase.STOPPED and conn.next_wakeup() == math.inf
    assert recorder.count("reconnect") == 0


def test_close_without_the_peers_answer_gives_up_at_the_close_timeout() -> None:
    rig = make_rig(close_timeout_s=2.0)
    conn = rig.conn
    open_and_boot(conn, 0.0)
    conn.close(10.0)
    conn.data_to_send()
    conn.wakeup(11.9)
    assert not conn.wants_close
    conn.wakeup(12.0)
    assert conn.wants_close
    assert rig.recorder.errors() == []


def test_close_while_offline_stops_the_connection() -> None:
    rig = make_rig()
    conn = rig.conn
    fail_to_connect(conn, 0.0)
    conn.close(0.5)
    assert phase(conn) is Phase.STOPPED
    assert conn.next_wakeup() == float("inf")
    conn.wakeup(100.0)
    assert not conn.wants_transport


# --- (i) the end of the run ----------------------------------------------------------------------


def test_a_connected_station_takes_part_in_the_drain_then_leaves_without_reconnecting() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    due = conn.next_wakeup()
    conn.wakeup(due)
    sent = conn.data_to_send()
    assert [action for _, action in calls_in(sent)] == ["Heartbeat"]  # in flight as the run ends

    drain = FakeDrain()
    assert conn.begin_drain(drain, due + 0.01) is True
    assert phase(conn) is Phase.OPEN
    # the behaviour is stopped (no more heartbeats); only the CALL's own timeout is left
    assert due < conn.next_wakeup() < due + HEARTBEAT_INTERVAL_S
    conn.receive_data(answer(sent), due + 0.02)
    assert drain.answers == [None]
    assert drain.updates == [(STATION_ID, 0)]
    assert recorder.named("call_succeeded")[-1] == ("Heartbeat", pytest.approx(0.02))
    assert conn.next_wakeup() == float("inf")

    conn.transport_eof(due + 1)
    conn.transport_closed(due + 1)
    assert drain.left == [STATION_ID]
    assert phase(conn) is Phase.STOPPED
    assert conn.next_wakeup() == float("inf")
    assert recorder.count("reconnect") == 0
    assert not conn.wants_transport


@pytest.mark.parametrize("offline", [True, False], ids=["after-a-failure", "never-connected"])
def test_an_offline_station_does_not_take_part_in_the_drain_and_connects_no_more(offline: bool) -> None:
    rig = make_rig()
    conn = rig.conn
    if offline:
        fail_to_connect(conn, 0.0)
        assert phase(conn) is Phase.OFFLINE
    else:
        assert phase(conn) is Phase.CONNECT_DUE
    drain = FakeDrain()
    assert conn.begin_drain(drain, 0.1) is False
    assert phase(conn) is Phase.STOPPED
    assert not conn.wants_transport
    assert conn.next_wakeup() == float("inf")
    conn.wakeup(1000.0)
    assert not conn.wants_transport and phase(conn) is Phase.STOPPED
    assert drain.left == []  # never took part: nothing to leave


# --- (j) garbage from the CSMS --------------------------------------------------------------------


def test_a_frame_that_is_not_ocpp_is_a_protocol_error_and_the_connection_stays_open() -> None:
    rig = make_rig()
    conn, recorder = rig.conn, rig.recorder
    open_and_boot(conn, 0.0)
    conn.receive_data(server_text("not json"), 5.0)
    ((kind, message),) = recorder.errors()
    assert kind == "protocol_error"
    # the station refused it and says so: the CSMS sent no RpcFrameworkError (issue 17)
    assert message.startswith("refused a frame from the CSMS (RpcFrameworkError): ")
    # answered under message id "-1" (OCPP 2.0.1 part 4, 4.2.3: the id cannot be read)
    ((opcode, payload),) = client_frames(conn.data_to_send())
    assert opcode == TEXT and json.loads(payload)[:3] == [4, "-1", "RpcFrameworkError"]
    assert STATION_ID not in message and recorder.error_stations() == [(STATION_ID, 5.0)]
    assert phase(conn) is Phase.OPEN and conn.connected and not conn.wants_close
    assert recorder.count("station_disconnected") == 0
    # and it keeps working: the heartbeat goes out and is answered
    due = conn.next_wakeup()
    conn.wakeup(due)
    sent = conn.data_to_send()
    conn.receive_data(answer(sent), due)
    assert recorder.named("call_succeeded")[-1] == ("Heartbeat", 0.0)


# --- what the shell reads -----------------------------------------------------------------------


def test_a_bad_url_fails_when_the_connection_is_made_naming_it() -> None:
    station = Station(StationConfig(station_id=STATION_ID), random.Random(1))
    with pytest.raises(ValueError, match=re.escape("http://csms.example/ocpp")):
        StationConnection(
            STATION_ID,
            station,
            "http://csms.example/ocpp",
            ConnectionSettings(SpeedClock()),
            FakeRecorder(),
            random.Random(1),
            station_credentials(ClientSecurity(), StationIdentity(STATION_ID), station),
        )
