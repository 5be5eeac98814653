"""The embedded CSMS under abuse (issue 17, finding 8): slowloris, idle connections, password
guessing, station ids OCPP does not allow, a second connection of one id, bad frames; each
refusal named in a rate-limited log line. Real sockets on loopback; trio's MockClock where
timing matters."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import pytest
import trio
import trio.testing
import trustme
from trio_websocket import ConnectionClosed, ConnectionRejected, WebSocketConnection, open_websocket_url

from fleet.csms import CsmsConfig, CsmsSecurity, CsmsServer, PasswordBook, serve_csms
from fleet.csms._log_limiter import LogLimiter
from fleet.ocpp import v201

NETWORK_TIMEOUT = 20.0
_REQUEST = b"GET /CS-1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"


@asynccontextmanager
async def csms(config: CsmsConfig, security: CsmsSecurity | None = None) -> AsyncIterator[CsmsServer]:
    async with trio.open_nursery() as nursery:
        with trio.fail_after(NETWORK_TIMEOUT):
            server: CsmsServer = await nursery.start(partial(serve_csms, security=security), config)
        yield server
        nursery.cancel_scope.cancel()


@asynccontextmanager
async def station(
    url: str, path: str = "/CS-1", headers: list[tuple[bytes, bytes]] | None = None
) -> AsyncIterator[WebSocketConnection]:
    async with open_websocket_url(
        url + path,
        subprotocols=[v201.SUBPROTOCOL],
        extra_headers=headers,
        connect_timeout=NETWORK_TIMEOUT,
        disconnect_timeout=NETWORK_TIMEOUT,
    ) as websocket:
        yield websocket


async def refusal_of(
    url: str, path: str, headers: list[tuple[bytes, bytes]] | None = None
) -> ConnectionRejected:
    with pytest.raises(ConnectionRejected) as caught:
        async with station(url, path, headers):
            pass
    return caught.value


async def closed_by_server(stream: trio.SocketStream) -> bool:
    """True when the server closed the connection (EOF or reset), reading whatever came first."""
    try:
        while await stream.receive_some(4096):
            pass
    except trio.BrokenResourceError:
        pass
    return True


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "fleet.csms" and text in r.getMessage()]


# -- a. handshake timeout ----------------------------------------------------------------------


async def test_a_slowloris_client_is_cut_off_at_the_handshake_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with csms(CsmsConfig(handshake_timeout_s=10.0)) as server:
        with trio.fail_after(NETWORK_TIMEOUT):
            stream = await trio.open_tcp_stream("127.0.0.1", server.port)
        started = trio.current_time()
        sent = 0
        with trio.fail_after(NETWORK_TIMEOUT):  # virtual seconds; before the fix: cut at 60 s
            try:
                for byte in _REQUEST * 100:  # one byte a second, never a whole request
                    await stream.send_all(bytes([byte]))
                    sent += 1
                    await trio.sleep(1.0)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
        assert 9 <= sent <= 12, f"sent {sent} bytes before the cut"
        assert 10.0 <= trio.current_time() - started <= 12.0


# -- b. a cap on connections that never upgrade ------------------------------------------------


async def test_connections_beyond_the_pending_cap_are_closed_at_once(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    config = CsmsConfig(handshake_timeout_s=10.0, max_pending_upgrades=3)
    async with csms(config) as server:
        with trio.fail_after(NETWORK_TIMEOUT):
            idle = [await trio.open_tcp_stream("127.0.0.1", server.port) for _ in range(3)]
            await trio.testing.wait_all_tasks_blocked()
            assert len(server.admission) == 3
            extra = await trio.open_tcp_stream("127.0.0.1", server.port)
            started = trio.current_time()
            assert await closed_by_server(extra)
            assert trio.current_time() - started < 1.0  # at once, not after the timeout
        assert logged(caplog, "3 connections are already waiting to upgrade (--max-pending-upgrades 3)")
        with trio.fail_after(NETWORK_TIMEOUT):
            for stream in idle:  # the idle ones are cut at the handshake timeout ...
                assert await closed_by_server(stream)
            async with station(server.url):  # ... and a station gets in again
                await server.wait_for_stations(1)


# -- c. failed-authentication throttling -------------------------------------------------------


def _basic(user: str, password: str) -> list[tuple[bytes, bytes]]:
    return [(b"Authorization", b"Basic " + base64.b64encode(f"{user}:{password}".encode()))]


async def test_failed_authentications_from_one_address_are_throttled(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    security = CsmsSecurity(1, passwords=PasswordBook(default="right"))
    config = CsmsConfig(auth_failure_limit=3, auth_failure_window_s=60.0)
    async with csms(config, security) as server:
        with trio.fail_after(NETWORK_TIMEOUT):
            for guess in ("a", "b", "c"):
                assert (await refusal_of(server.url, "/CS-1", _basic("CS-1", guess))).status_code == 401
            # the limit is reached: even the right password gets 429 until the window ends
            throttled = await refusal_of(server.url, "/CS-1", _basic("CS-1", "right"))
            assert throttled.status_code == 429
            assert 1 <= int(dict(throttled.headers)[b"retry-after"]) <= 60
        assert logged(caplog, "failed authentication from 127.0.0.1 as station 'CS-1'")
        assert logged(caplog, "throttled 127.0.0.1: 3 failed authentications within 60 s")
        await trio.sleep(61.0)
        with trio.fail_after(NETWORK_TIMEOUT):
            async with station(server.url, "/CS-1", _basic("CS-1", "right")):
                await server.wait_for_stations(1)


# -- d. station ids OCPP allows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/../../etc/passwd", "'.' or '..' segments"),
        ("/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "'.' or '..' segments"),
        ("/CS%00", "characters OCPP does not allow"),
        ("/" + "A" * 1024, "station id of 1024 characters is longer than OCPP's 48"),
        ("/%F0%9F%9A%97", "characters OCPP does not allow"),  # an emoji
        ("/CS:1", "characters OCPP does not allow"),  # the Basic auth user name ends at a colon
    ],
)
async def test_station_ids_ocpp_does_not_allow_are_refused(
    path: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with csms(CsmsConfig()) as server:
        with trio.fail_after(NETWORK_TIMEOUT):
            refusal = await refusal_of(server.url, path)
        assert refusal.status_code == 400
        assert why in (refusal.body or b"").decode()
        assert server.connected_stations() == []
    assert logged(caplog, "refused the upgrade from 127.0.0.1: ") and logged(caplog, why)


async def test_the_longest_id_ocpp_allows_is_accepted() -> None:
    station_id = "A-z0_9*=+|@." + "x" * 36  # 48 characters of every kind allowed
    async with csms(CsmsConfig()) as server:
        with trio.fail_after(NETWORK_TIMEOUT):
            async with station(server.url, "/ocpp/" + station_id):
                await server.wait_for_stations(1)
                assert server.connected_stations() == [station_id]


# -- e. a second connection of a connected id --------------------------------------------------


async def test_a_second_connection_of_an_id_replaces_the_first_which_is_told_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with csms(CsmsConfig()) as server, station(server.url) as first:
        with trio.fail_after(NETWORK_TIMEOUT):
            await server.wait_for_stations(1)
            async with station(server.url) as second:
                with pytest.raises(ConnectionClosed) as closed:
                    await first.get_message()
                reason = closed.value.reason
                assert reason is not None and reason.code == 1000
                assert "replaced by a newer connection" in (reason.reason or "")
                assert server.connected_stations() == ["CS-1"]
                assert not second.closed
    assert logged(caplog, "station 'CS-1' connected again from 127.0.0.1 while connected from 127.0.0.1")


# -- f. bad frames and TLS failures are logged, at most one line per reason a second -----------


async def test_oversized_and_malformed_messages_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    async with csms(CsmsConfig()) as server:
        with trio.fail_after(NETWORK_TIMEOUT):
            async with station(server.url, "/CS-1") as websocket:
                await websocket.send_message("not json")  # no message id: nothing to answer
                await websocket.send_message('[2,"1","Heartbeat",{}]')
                await websocket.get_message()  # answered after the junk was handled
            async with station(server.url, "/CS-2") as websocket:
                await websocket.send_message("x" * (2**20 + 1))  # over trio-websocket's 1 MiB
                with pytest.raises(ConnectionClosed) as closed:
                    await websocket.get_message()
        assert closed.value.reason is not None and closed.value.reason.code == 1009
    assert logged(caplog, "station 'CS-1' from 127.0.0.1 sent a malformed message")
    assert logged(caplog, "closed the connection of station 'CS-2' from 127.0.0.1: 1009")


async def test_a_failed_tls_handshake_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cert = tmp_path / "csms.pem"
    trustme.CA().issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(cert))
    security = CsmsSecurity(2, cert_file=str(cert), passwords=PasswordBook(default="p"))
    async with csms(CsmsConfig(), security) as server:
        with trio.fail_after(NETWORK_TIMEOUT):
            stream = await trio.open_tcp_stream("127.0.0.1", server.port)
            await stream.send_all(_REQUEST + b"\r\n")  # plain HTTP to a wss:// port
            assert await closed_by_server(stream)
            await trio.testing.wait_all_tasks_blocked()
    assert logged(caplog, "TLS handshake with 127.0.0.1 failed")


def test_log_lines_are_rate_limited_per_reason_with_a_count_of_those_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "fleet.csms")
    log = LogLimiter()
    for i in range(5):
        log.warn("refused upgrades", f"refused {i}", now=10.0 + i * 0.1)
    log.warn("failed authentications", "failed 0", now=10.5)  # another reason: not held back
    log.warn("refused upgrades", "refused 5", now=11.0)
    assert [r.getMessage() for r in caplog.records] == [
        "fleet csms: refused 0",
        "fleet csms: failed 0",
        "fleet csms: refused 5 (and 4 more refused upgrades since the last such line)",
    ]
