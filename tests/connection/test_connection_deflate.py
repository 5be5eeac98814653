"""permessage-deflate (RFC 7692) in the stations' own WebSocket client: the compression against
the RFC's vectors, the framer's compressed frames in and out, the negotiation, and one station's
connection against wsproto's server (with PerMessageDeflate accepted, and declined)."""

from __future__ import annotations

import json
import random

import pytest
from test_connection_station_connection import FakeRecorder
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, Request, TextMessage
from wsproto.extensions import Extension, PerMessageDeflate

from fleet.behaviour import SpeedClock
from fleet.connection import (
    ClientFramer,
    ConnectionSettings,
    HandshakeFailed,
    Phase,
    StationConnection,
    station_credentials,
)
from fleet.connection._deflate import DeflateParams, MessageDeflater, negotiated_deflate
from fleet.connection._framing import DeflateFramer
from fleet.identity import ClientSecurity, StationIdentity
from fleet.station import Station, StationConfig

HELLO = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])  # RFC 7692 7.2.3.1
HELLO_AGAIN = bytes([0xF2, 0x00, 0x11, 0x00, 0x00])  # 7.2.3.2: the second, sharing the window


def unmask(frame: bytes) -> tuple[int, bytes]:
    """(first byte, payload) of one short masked client frame."""
    length = frame[1] & 0x7F
    assert frame[1] & 0x80 and length < 126
    key, payload = frame[2:6], frame[6 : 6 + length]
    return frame[0], bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def deflate_framer(params: DeflateParams | None = None, limit: int = 2**20) -> DeflateFramer:
    return DeflateFramer(MessageDeflater(params or DeflateParams()), limit)


# --- the compression and the frames ----------------------------------------------------------------


def test_hello_compresses_to_the_rfc_vector_and_the_window_is_kept() -> None:
    deflater = MessageDeflater(DeflateParams())
    assert deflater.compress(b"Hello") == HELLO
    assert deflater.compress(b"Hello") == HELLO_AGAIN


def test_no_context_takeover_compresses_every_message_afresh() -> None:
    deflater = MessageDeflater(DeflateParams(client_no_context_takeover=True))
    assert deflater.compress(b"Hello") == HELLO
    assert deflater.compress(b"Hello") == HELLO


def test_a_sent_text_frame_has_rsv1_set_and_carries_the_compressed_payload() -> None:
    first, payload = unmask(deflate_framer().send_text("Hello"))
    assert first == 0xC1  # FIN, RSV1, text
    assert payload == HELLO


def test_a_plain_framer_still_sends_plain_frames() -> None:
    first, payload = unmask(ClientFramer().send_text("Hello"))
    assert (first, payload) == (0x81, b"Hello")


def test_compressed_messages_from_the_server_are_inflated_whole_split_and_fragmented() -> None:
    framer = deflate_framer()
    assert framer.receive(bytes([0xC1, len(HELLO)]) + HELLO) == ["Hello"]
    # the same window: the second message refers back to the first
    second = bytes([0xC1, len(HELLO_AGAIN)]) + HELLO_AGAIN
    assert [m for i in range(len(second)) for m in framer.receive(second[i : i + 1])] == ["Hello"]
    fragmented = deflate_framer()  # RFC 7692 7.2.3.1's two fragments
    assert fragmented.receive(bytes([0x41, 0x03, 0xF2, 0x48, 0xCD, 0x80, 0x04, 0xC9, 0xC9, 0x07, 0x00])) == [
        "Hello"
    ]
    assert framer.receive(bytes([0x81, 0x02]) + b"hi") == ["hi"]  # an uncompressed message too


def test_rsv1_is_a_protocol_error_without_deflate_and_on_control_or_continuation_frames() -> None:
    plain = ClientFramer()
    assert plain.receive(bytes([0xC1, len(HELLO)]) + HELLO) == []
    assert plain.closed is not None and (plain.closed.code, plain.closed.reason) == (
        1002,
        "reserved bits set",
    )
    for frame in (bytes([0xC9, 0x00]), bytes([0x01, 0x01]) + b"a" + bytes([0xC0, 0x01]) + b"b"):
        framer = deflate_framer()
        framer.receive(frame)
        assert framer.closed is not None and framer.closed.code == 1002


def test_broken_or_oversized_compressed_messages_close_the_connection() -> None:
    broken = deflate_framer()
    broken.receive(bytes([0xC1, 0x03, 0xFF, 0xFF, 0xFF]))
    assert broken.closed is not None and broken.closed.code == 1007
    bomb = MessageDeflater(DeflateParams()).compress(b"x" * 5000)
    small = deflate_framer(limit=1000)
    small.receive(bytes([0xC1, len(bomb)]) + bomb)
    assert small.closed is not None and small.closed.code == 1009


# --- the negotiation ---------------------------------------------------------------------------------


def test_negotiation_reads_the_servers_parameters() -> None:
    assert negotiated_deflate(None, True) is None
    assert negotiated_deflate("permessage-deflate", True) == DeflateParams()
    answer = "permessage-deflate; client_max_window_bits=10; server_no_context_takeover"
    assert negotiated_deflate(answer, True) == DeflateParams(10, False, True)
    assert negotiated_deflate("permessage-deflate; client_no_context_takeover", True) == DeflateParams(
        client_no_context_takeover=True
    )


@pytest.mark.parametrize(
    ("answer", "offered", "error"),
    [
        ("permessage-deflate", False, "extension 'permessage-deflate', which was not offered"),
        ("x-webkit-deflate-frame", True, "extension 'x-webkit-deflate-frame', which was not offered"),
        ("permessage-deflate, permessage-deflate", True, "more than once"),
        ("permessage-deflate; client_max_window_bits=16", True, "window bits '16' are not 8..15"),
        ("permessage-deflate; server_max_window_bits", True, "window bits None are not 8..15"),
        ("permessage-deflate; mystery", True, "bad parameter 'mystery'"),
    ],
)
def test_a_bad_or_unoffered_extension_fails_the_handshake(answer: str, offered: bool, error: str) -> None:
    with pytest.raises(HandshakeFailed, match=error):
        negotiated_deflate(answer, offered)


# --- one station against wsproto's server ------------------------------------------------------------


def station_connection(deflate: bool, recorder: FakeRecorder | None = None) -> StationConnection:
    station = Station(StationConfig(station_id="CS-1", evse_count=1), random.Random(7))
    credentials = station_credentials(ClientSecurity(), StationIdentity("CS-1"), station)
    settings = ConnectionSettings(SpeedClock(speed=1.0, origin=0.0))
    return StationConnection(
        "CS-1",
        station,
        "ws://csms.test/CS-1",
        settings,
        recorder or FakeRecorder(),
        random.Random(3),
        credentials,
        deflate=deflate,
    )


def connect_to_wsproto(conn: StationConnection, accept_deflate: bool) -> tuple[WSConnection, bytes]:
    """Upgrade ``conn`` against a wsproto server; (the server, the station's first frames' bytes)."""
    server = WSConnection(ConnectionType.SERVER)
    conn.transport_opening(0.0)
    conn.transport_open(0.0)
    server.receive_data(conn.data_to_send())
    request = next(server.events())
    assert isinstance(request, Request)
    extensions: list[Extension] = [PerMessageDeflate()] if accept_deflate else []
    conn.receive_data(server.send(AcceptConnection(subprotocol="ocpp2.0.1", extensions=extensions)), 0.0)
    assert conn.phase is Phase.OPEN
    return server, conn.data_to_send()


def boot_through(server: WSConnection, conn: StationConnection, frames: bytes) -> list[str]:
    """The CALLs in ``frames`` as wsproto reads them, each answered as the CSMS would."""
    server.receive_data(frames)
    texts = []
    for event in server.events():
        assert isinstance(event, TextMessage | BytesMessage)
        assert isinstance(event.data, str)
        texts.append(event.data)
        _, unique_id, action, _ = json.loads(event.data)
        body = {"currentTime": "2026-01-01T00:00:00Z", "interval": 60, "status": "Accepted"}
        conn.receive_data(
            server.send(
                TextMessage(json.dumps([3, unique_id, body if action == "BootNotification" else {}]))
            ),
            1.0,
        )
    return texts


def test_a_station_offering_deflate_negotiates_it_and_its_frames_inflate_to_the_same_json() -> None:
    recorder = FakeRecorder()
    conn = station_connection(deflate=True, recorder=recorder)
    server, frames = connect_to_wsproto(conn, accept_deflate=True)
    assert conn.deflate_accepted
    assert frames[0] == 0xC1  # FIN, RSV1 (compressed), text
    texts = boot_through(server, conn, frames)
    assert json.loads(texts[0])[2] == "BootNotification"
    assert "BootNotification" in [action for action, _ in recorder.named("call_succeeded")]
    after_boot = conn.data_to_send()  # the statuses the boot released, compressed as well
    assert after_boot and after_boot[0] == 0xC1
    assert all(json.loads(text)[0] == 2 for text in boot_through(server, conn, after_boot))
    assert recorder.errors() == [] and recorder.count("call_failed") == 0


def test_a_server_that_declines_leaves_the_station_on_plain_frames() -> None:
    conn = station_connection(deflate=True)
    server, frames = connect_to_wsproto(conn, accept_deflate=False)
    assert not conn.deflate_accepted
    assert frames[0] == 0x81  # FIN, text: no RSV1
    assert json.loads(boot_through(server, conn, frames)[0])[2] == "BootNotification"


def test_a_station_without_deflate_offers_nothing() -> None:
    conn = station_connection(deflate=False)
    conn.transport_opening(0.0)
    conn.transport_open(0.0)
    assert b"Sec-WebSocket-Extensions" not in conn.data_to_send()
    with_deflate = station_connection(deflate=True)
    with_deflate.transport_opening(0.0)
    with_deflate.transport_open(0.0)
    assert (
        b"\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        in with_deflate.data_to_send()
    )
