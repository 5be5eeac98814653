"""The client side of the WebSocket opening handshake: the request's RFC 6455 4.1 headers, the
answer checked as 4.1 asks (accept value computed here per 4.2.2), refusals with their bodies,
answers that are not WebSocket at all; then wsproto as a real server on the other side."""

from __future__ import annotations

import base64
import hashlib

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, RejectConnection, RejectData, Request, TextMessage

from fleet.connection import (
    Accepted,
    HandshakeFailed,
    UpgradeAnswer,
    UpgradeRejected,
    WebSocketTarget,
    parse_websocket_url,
    upgrade_request,
)

OCPP = "ocpp2.0.1"
RFC_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
RFC_EXAMPLE_KEY = b"dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3 / 4.2.2
RFC_EXAMPLE_ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
AUTHORIZATION = (b"Authorization", b"Basic " + base64.b64encode(b"CS-1:secret"))


def rfc_accept(key: bytes) -> bytes:
    """Sec-WebSocket-Accept per RFC 6455 4.2.2: base64(SHA-1(key + GUID))."""
    return base64.b64encode(hashlib.sha1(key + RFC_GUID).digest())


def parse_request(request: bytes) -> tuple[str, dict[str, str]]:
    """(the request line, the headers by lower-case name); asserts the head ends the bytes."""
    assert request.endswith(b"\r\n\r\n")
    assert request.count(b"\r\n\r\n") == 1
    first, *lines = request[:-4].decode("ascii").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(": ")
        assert sep, line
        assert name.lower() not in headers, f"header {name} sent twice"
        headers[name.lower()] = value
    return first, headers


def answer_101(accept: bytes, *, subprotocol: str | None = OCPP, extra: bytes = b"") -> bytes:
    head = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n"
    )
    if subprotocol is not None:
        head += b"Sec-WebSocket-Protocol: " + subprotocol.encode() + b"\r\n"
    return head + extra + b"\r\n"


def request_for(url: str = "ws://csms.example:9000/ocpp/CS-1") -> tuple[bytes, bytes, dict[str, str]]:
    request, accept = upgrade_request(parse_websocket_url(url), [OCPP], [AUTHORIZATION])
    _, headers = parse_request(request)
    return request, accept, headers


# --- the target a URL names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "ws://csms.example/ocpp/CS-1",
            WebSocketTarget("csms.example", 80, "csms.example", "/ocpp/CS-1", False),
        ),
        (
            "ws://csms.example:9000/ocpp/CS-1",
            WebSocketTarget("csms.example", 9000, "csms.example:9000", "/ocpp/CS-1", False),
        ),
        ("wss://csms.example:443/x", WebSocketTarget("csms.example", 443, "csms.example", "/x", True)),
        ("wss://csms.example:80/x", WebSocketTarget("csms.example", 80, "csms.example:80", "/x", True)),
        ("ws://127.0.0.9", WebSocketTarget("127.0.0.9", 80, "127.0.0.9", "/", False)),
        ("ws://[::1]:9000/a?b=c", WebSocketTarget("::1", 9000, "[::1]:9000", "/a?b=c", False)),
        ("wss://[2001:db8::5]/a", WebSocketTarget("2001:db8::5", 443, "[2001:db8::5]", "/a", True)),
    ],
)
def test_a_url_names_host_port_host_header_and_resource(url: str, expected: WebSocketTarget) -> None:
    assert parse_websocket_url(url) == expected


@pytest.mark.parametrize("url", ["http://csms.example/ocpp", "csms.example:9000", "ws:///no-host", "ws://"])
def test_a_url_that_is_not_ws_or_wss_is_refused_naming_it(url: str) -> None:
    with pytest.raises(ValueError, match="a station URL must be ws://") as raised:
        parse_websocket_url(url)
    assert repr(url) in str(raised.value)


# --- the request ---------------------------------------------------------------------------------


def test_the_request_carries_the_rfc_6455_headers_and_the_extra_ones() -> None:
    request, accept = upgrade_request(
        parse_websocket_url("ws://csms.example:9000/ocpp/CS-1?tenant=7"), [OCPP, "ocpp1.6"], [AUTHORIZATION]
    )
    first, headers = parse_request(request)
    assert first == "GET /ocpp/CS-1?tenant=7 HTTP/1.1"
    assert headers["host"] == "csms.example:9000"
    assert headers["upgrade"] == "websocket"
    assert headers["connection"] == "Upgrade"
    assert headers["sec-websocket-version"] == "13"
    assert headers["sec-websocket-protocol"] == "ocpp2.0.1, ocpp1.6"
    assert headers["authorization"] == "Basic " + base64.b64encode(b"CS-1:secret").decode()
    # the key: 16 random bytes, base64 (RFC 6455 4.1 item 7); the accept value the answer must carry
    key = headers["sec-websocket-key"].encode()
    assert len(base64.b64decode(key, validate=True)) == 16
    assert accept == rfc_accept(key)


def test_the_host_header_leaves_out_the_default_port() -> None:
    request, _ = upgrade_request(parse_websocket_url("wss://csms.example/ocpp/CS-1"), [OCPP], None)
    first, headers = parse_request(request)
    assert first == "GET /ocpp/CS-1 HTTP/1.1"
    assert headers["host"] == "csms.example"


def test_without_subprotocols_or_extra_headers_none_are_sent() -> None:
    request, _ = upgrade_request(parse_websocket_url("ws://csms.example/"), [], None)
    _, headers = parse_request(request)
    assert set(headers) == {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
    }


def test_every_request_has_a_fresh_key() -> None:
    keys = {request_for()[2]["sec-websocket-key"] for _ in range(20)}
    assert len(keys) == 20


def test_the_rfc_example_key_is_accepted_with_the_rfc_example_accept_value() -> None:
    assert rfc_accept(RFC_EXAMPLE_KEY) == RFC_EXAMPLE_ACCEPT  # the helper itself, against the RFC
    answer = UpgradeAnswer(RFC_EXAMPLE_ACCEPT, [OCPP])
    assert answer.feed(answer_101(RFC_EXAMPLE_ACCEPT)) == Accepted(OCPP, b"")
    wrong = UpgradeAnswer(RFC_EXAMPLE_ACCEPT, [OCPP])
    with pytest.raises(HandshakeFailed, match="Sec-WebSocket-Accept does not match"):
        wrong.feed(answer_101(base64.b64encode(hashlib.sha1(RFC_EXAMPLE_KEY).digest())))


# --- a 101 ---------------------------------------------------------------------------------------


def test_a_valid_101_in_one_piece_is_accepted_and_hands_on_the_first_frames() -> None:
    _, accept, _ = request_for()
    first_frames = b"\x81\x05hello\x89\x00"
    answer = UpgradeAnswer(accept, [OCPP])
    assert answer.feed(answer_101(accept) + first_frames) == Accepted(OCPP, first_frames)


def test_a_valid_101_byte_by_byte_is_accepted_exactly_at_its_blank_line() -> None:
    _, accept, _ = request_for()
    data = answer_101(accept, extra=b"Server: test\r\n")
    answer = UpgradeAnswer(accept, [OCPP])
    results = [answer.feed(data[i : i + 1]) for i in range(len(data))]
    assert results[:-1] == [None] * (len(data) - 1)
    assert results[-1] == Accepted(OCPP, b"")


def test_header_names_and_tokens_are_case_insensitive_and_connection_may_list_more() -> None:
    _, accept, _ = request_for()
    data = (
        b"HTTP/1.1 101 Switching Protocols\r\nUPGRADE: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
        b"sec-websocket-accept: " + accept + b"\r\nsec-websocket-protocol: ocpp2.0.1\r\n\r\n"
    )
    assert UpgradeAnswer(accept, [OCPP]).feed(data) == Accepted(OCPP, b"")


def test_a_101_without_a_subprotocol_is_accepted_without_one() -> None:
    # that the CSMS chose none is for the caller to judge (StationConnection: SubprotocolRefused)
    _, accept, _ = request_for()
    assert UpgradeAnswer(accept, [OCPP]).feed(answer_101(accept, subprotocol=None)) == Accepted(None, b"")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
            None,  # the valid one, for contrast
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
            b"Sec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
            "Sec-WebSocket-Accept does not match",
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
            "Sec-WebSocket-Accept does not match",
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
            "lacks 'Upgrade: websocket'",
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
            "lacks 'Upgrade: websocket'",
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
            "lacks 'Connection: Upgrade'",
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
            b"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
            "lacks 'Connection: Upgrade'",
        ),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "not valid HTTP: b'SSH-2.0-OpenSSH_9.6'"),
        (b"HTTP/1.1 OK\r\n\r\n", "not valid HTTP"),
        (b"\r\n\r\n", "not valid HTTP"),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nno colon here\r\n\r\n",
            "malformed header line: b'no colon here'",
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\n folded: header\r\n\r\n",
            "malformed header line",
        ),
    ],
)
def test_an_answer_that_is_not_a_valid_websocket_101_fails_naming_the_problem(
    answer: bytes, message: str | None
) -> None:
    _, accept, _ = request_for()
    data = answer.replace(b"{accept}", accept)
    upgrade = UpgradeAnswer(accept, [OCPP])
    if message is None:
        assert upgrade.feed(data) == Accepted(OCPP, b"")
        return
    with pytest.raises(HandshakeFailed) as raised:
        upgrade.feed(data)
    assert message in str(raised.value)


# --- refusals ------------------------------------------------------------------------------------


def test_a_401_with_a_body_is_a_rejection_only_once_the_body_is_complete() -> None:
    _, accept, _ = request_for()
    body = b'{"error": "bad password"}'
    head = b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    answer = UpgradeAnswer(accept, [OCPP])
    assert answer.feed(head) is None
    assert answer.feed(body[:10]) is None
    for i in range(10, len(body) - 1):
        assert answer.feed(body[i : i + 1]) is None
    with pytest.raises(UpgradeRejected) as raised:
        answer.feed(body[-1:])
    assert (raised.value.status_code, raised.value.body) == (401, body)
    assert str(raised.value) == "HTTP 401"


def test_a_rejection_with_an_empty_body_is_complete_with_its_head() -> None:
    _, accept, _ = request_for()
    with pytest.raises(UpgradeRejected) as raised:
        UpgradeAnswer(accept, [OCPP]).feed(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    assert (raised.value.status_code, raised.value.body) == (403, b"")


def test_a_rejection_body_beyond_its_content_length_is_not_part_of_it() -> None:
    _, accept, _ = request_for()
    with pytest.raises(UpgradeRejected) as raised:
        UpgradeAnswer(accept, [OCPP]).feed(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noopsHTTP/1.1 200 OK\r\n"
        )
    assert (raised.value.status_code, raised.value.body) == (500, b"oops")


def test_a_404_without_content_length_is_told_by_eof_with_its_body() -> None:
    _, accept, _ = request_for()
    answer = UpgradeAnswer(accept, [OCPP])
    assert answer.feed(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno such ") is None
    assert answer.feed(b"endpoint") is None
    rejected = answer.eof()
    assert isinstance(rejected, UpgradeRejected)
    assert (rejected.status_code, rejected.body) == (404, b"no such endpoint")


def test_a_rejection_without_content_length_keeps_only_the_first_4_kib_of_its_body() -> None:
    _, accept, _ = request_for()
    answer = UpgradeAnswer(accept, [OCPP])
    assert answer.feed(b"HTTP/1.1 502 Bad Gateway\r\n\r\n") is None
    assert answer.feed(b"x" * 4095) is None
    with pytest.raises(UpgradeRejected) as raised:
        answer.feed(b"yz")
    assert (raised.value.status_code, raised.value.body) == (502, b"x" * 4095 + b"y")


def test_eof_before_any_answer_or_within_the_head_is_a_handshake_failure() -> None:
    _, accept, _ = request_for()
    silent = UpgradeAnswer(accept, [OCPP]).eof()
    assert isinstance(silent, HandshakeFailed)
    assert "closed the connection before answering" in str(silent)
    halfway = UpgradeAnswer(accept, [OCPP])
    assert halfway.feed(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n") is None
    assert isinstance(halfway.eof(), HandshakeFailed)


def test_an_endless_header_stream_fails_after_16_kib() -> None:
    _, accept, _ = request_for()
    answer = UpgradeAnswer(accept, [OCPP])
    status = b"HTTP/1.1 101 Switching Protocols\r\n"
    assert answer.feed(status) is None
    line = b"X-Padding: " + b"a" * 89 + b"\r\n"
    fed = len(status)
    with pytest.raises(HandshakeFailed, match="has no end of headers"):
        while fed <= 17 * 1024:
            fed += len(line)
            assert answer.feed(line) is None
    # it gave up with the line that took the head past 16 KiB, not before, not much later
    assert 16 * 1024 < fed <= 16 * 1024 + len(line)


# --- wsproto as the server -----------------------------------------------------------------------


def test_wsproto_as_server_reads_our_request_and_its_acceptance_is_accepted() -> None:
    request, accept = upgrade_request(
        parse_websocket_url("ws://csms.example:9000/ocpp/CS-1"), [OCPP, "ocpp1.6"], [AUTHORIZATION]
    )
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(request)
    (event,) = list(server.events())
    assert isinstance(event, Request)
    assert event.host == "csms.example:9000"
    assert event.target == "/ocpp/CS-1"
    assert event.subprotocols == [OCPP, "ocpp1.6"]
    headers = {name.lower(): value for name, value in event.extra_headers}
    assert headers[b"authorization"] == AUTHORIZATION[1]
    # wsproto computes the accept value from the key it received: ours must match it
    answer_bytes = server.send(AcceptConnection(subprotocol=OCPP))
    first_message = server.send(TextMessage(data='[2,"1","Reset",{"type":"Immediate"}]'))
    answer = UpgradeAnswer(accept, [OCPP, "ocpp1.6"])
    assert answer.feed(answer_bytes + first_message) == Accepted(OCPP, first_message)


def test_wsproto_as_server_selecting_the_second_offer_is_accepted_with_it() -> None:
    request, accept = upgrade_request(parse_websocket_url("ws://csms.example/"), [OCPP, "ocpp1.6"], None)
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(request)
    assert isinstance(next(iter(server.events())), Request)
    answer_bytes = server.send(AcceptConnection(subprotocol="ocpp1.6"))
    assert UpgradeAnswer(accept, [OCPP, "ocpp1.6"]).feed(answer_bytes) == Accepted("ocpp1.6", b"")


def test_wsproto_as_server_rejecting_with_a_body_is_an_upgrade_rejection() -> None:
    request, accept = upgrade_request(parse_websocket_url("ws://csms.example/CS-1"), [OCPP], None)
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(request)
    assert isinstance(next(iter(server.events())), Request)
    body = b"unknown station"
    head = server.send(
        RejectConnection(
            status_code=401, headers=[(b"content-length", str(len(body)).encode())], has_body=True
        )
    )
    data = head + server.send(RejectData(data=body))
    answer = UpgradeAnswer(accept, [OCPP])
    assert answer.feed(data[:-1]) is None
    with pytest.raises(UpgradeRejected) as raised:
        answer.feed(data[-1:])
    assert (raised.value.status_code, raised.value.body) == (401, body)
