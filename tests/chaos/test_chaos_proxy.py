"""The fault proxy, each fault against a tiny echo server on loopback, in MockClock time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trio
import trio.testing

from fleet.chaos import ChaosProxy, ProxyFaults, serve_chaos_proxy


class _Echo:
    """A loopback echo server that remembers how many of its connections ended."""

    def __init__(self) -> None:
        self.port = 0
        self.closed = 0
        self.one_closed = trio.Event()

    async def handle(self, stream: trio.SocketStream) -> None:
        try:
            while data := await stream.receive_some(65536):
                await stream.send_all(data)
        except trio.BrokenResourceError:
            pass
        finally:
            self.closed += 1
            self.one_closed.set()


@asynccontextmanager
async def _proxied(faults: ProxyFaults) -> AsyncIterator[tuple[ChaosProxy, _Echo]]:
    echo = _Echo()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, echo.handle, 0, host="127.0.0.1"))
        echo.port = listeners[0].socket.getsockname()[1]
        proxy = await nursery.start(serve_chaos_proxy, faults, ("127.0.0.1", echo.port))
        yield proxy, echo
        nursery.cancel_scope.cancel()


async def _connect(proxy: ChaosProxy) -> trio.SocketStream:
    return await trio.open_tcp_stream("127.0.0.1", proxy.port)


async def _receive_exactly(stream: trio.SocketStream, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = await stream.receive_some(size - len(data))
        assert chunk, "the proxy closed the connection"
        data += chunk
    return data


async def _round_trip(stream: trio.SocketStream, payload: bytes = b"ping") -> float:
    sent_at = trio.current_time()
    await stream.send_all(payload)
    assert await _receive_exactly(stream, len(payload)) == payload
    return trio.current_time() - sent_at


async def test_latency_is_added_each_way(autojump_clock: trio.testing.MockClock) -> None:
    async with _proxied(ProxyFaults(latency_s=0.05)) as (proxy, _):
        stream = await _connect(proxy)
        with trio.fail_after(5):
            assert await _round_trip(stream) == pytest.approx(0.1, abs=1e-6)
    assert [event.kind for event in proxy.fault_events()] == ["latency"]


async def _jittered_round_trips(seed: int) -> list[float]:
    async with _proxied(ProxyFaults(latency_s=0.01, jitter_s=0.02, seed=seed)) as (proxy, _):
        stream = await _connect(proxy)
        with trio.fail_after(5):
            return [await _round_trip(stream) for _ in range(5)]


async def test_jitter_is_seeded_and_bounded(autojump_clock: trio.testing.MockClock) -> None:
    first = await _jittered_round_trips(seed=7)
    assert first == pytest.approx(await _jittered_round_trips(seed=7), abs=1e-9)
    assert first != pytest.approx(await _jittered_round_trips(seed=8), abs=1e-9)
    assert all(0.02 <= rtt <= 0.06 for rtt in first)
    assert len(set(first)) > 1


async def test_bandwidth_cap_paces_the_bytes(autojump_clock: trio.testing.MockClock) -> None:
    async with _proxied(ProxyFaults(bandwidth_bps=1000.0)) as (proxy, _):
        stream = await _connect(proxy)
        with trio.fail_after(30):
            # 2,000 bytes at 1,000 bytes/s: at least 2 s each way
            assert await _round_trip(stream, b"x" * 2000) >= 4.0


async def test_a_stall_holds_the_bytes_without_losing_them(autojump_clock: trio.testing.MockClock) -> None:
    async with _proxied(ProxyFaults(stalls=((1.0, 2.0),))) as (proxy, _):
        stream = await _connect(proxy)
        await trio.sleep_until(proxy.origin + 1.5)
        with trio.fail_after(5):
            await _round_trip(stream, b"held")
        assert trio.current_time() == pytest.approx(proxy.origin + 3.0, abs=1e-6)
    assert [event.kind for event in proxy.fault_events()] == ["stall"]


async def _time_of_drop(seed: int) -> float:
    async with _proxied(ProxyFaults(drop_rate=0.5, seed=seed)) as (proxy, echo):
        stream = await _connect(proxy)
        with trio.fail_after(120):
            assert await stream.receive_some(10) == b""  # cut by the proxy
            await echo.one_closed.wait()  # the CSMS side is cut too
        assert proxy.drops == 1
        assert "1 connections cut" in proxy.fault_events()[0].detail
        return trio.current_time() - proxy.origin


async def test_connections_are_dropped_at_a_seeded_rate(autojump_clock: trio.testing.MockClock) -> None:
    assert await _time_of_drop(seed=1) == pytest.approx(await _time_of_drop(seed=1), abs=1e-9)
    assert await _time_of_drop(seed=1) != await _time_of_drop(seed=2)


async def test_an_outage_cuts_connections_and_refuses_new_ones(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with _proxied(ProxyFaults(outages=((1.0, 2.0),))) as (proxy, _):
        stream = await _connect(proxy)
        with trio.fail_after(5):
            assert await stream.receive_some(10) == b""  # cut when the outage begins
        assert trio.current_time() == pytest.approx(proxy.origin + 1.0, abs=1e-6)
        with pytest.raises(OSError):
            await _connect(proxy)  # refused: nothing listens
        await trio.sleep_until(proxy.origin + 3.5)
        after = await _connect(proxy)
        with trio.fail_after(5):
            await _round_trip(after)
    (outage,) = proxy.fault_events()
    assert outage.kind == "outage" and outage.end == pytest.approx(outage.start + 2.0)
    assert outage.detail == "1 connections cut, new ones refused"


async def test_half_open_connections_go_silent_without_closing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with _proxied(ProxyFaults(half_open=((1.0, 2.0),))) as (proxy, echo):
        before = await _connect(proxy)
        await trio.sleep_until(proxy.origin + 1.5)
        during = await _connect(proxy)
        for stream in (before, during):
            await stream.send_all(b"hello?")
            with trio.move_on_after(10) as waited:
                await stream.receive_some(10)  # neither an answer nor an end of file comes
            assert waited.cancelled_caught
        assert echo.closed == 1  # the CSMS side of the connection open before the window closed
        after = await _connect(proxy)
        with trio.fail_after(5):
            await _round_trip(after)
    assert [event.kind for event in proxy.fault_events()] == ["half-open"]


async def test_a_refusing_target_closes_the_client(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        await listeners[0].aclose()  # nothing listens there now
        proxy = await nursery.start(serve_chaos_proxy, ProxyFaults(latency_s=0.01), ("127.0.0.1", port))
        stream = await _connect(proxy)
        with trio.fail_after(5):
            assert await stream.receive_some(10) == b""
        nursery.cancel_scope.cancel()
