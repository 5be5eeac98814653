"""CPU cost of one heartbeat round trip through the connection core, no sockets: the station's
timer fires, its CALL is framed (masked), a canned CALLRESULT frame is fed back as the socket
would deliver it, and the recorder takes the latency. This is the Python part of every message
the reactor moves; the rest is the kernel's send/recv and the reactor's loop.
A measurement, never a test.

python bench/connection_round_trip.py [stations] [round_trips_per_station] [--profile]
"""

from __future__ import annotations

import base64
import cProfile
import hashlib
import pstats
import random
import sys
import time

import msgspec

from fleet.behaviour import DriverSettings, SimulatedStation, SpeedClock
from fleet.connection import ConnectionSettings, StationConnection, station_credentials
from fleet.identity import ClientSecurity, StationIdentity
from fleet.metrics import RunRecorder
from fleet.station import LazyRandom, StationConfig

_ENVELOPE = msgspec.json.Decoder(tuple[int, str, str, msgspec.Raw])
_BOOT = '{"currentTime":"2026-01-01T00:00:00Z","interval":60,"status":"Accepted"}'
_HEARTBEAT = '{"currentTime":"2026-01-01T00:00:00Z"}'


def _server_frame(text: str) -> bytes:
    """An unmasked server text frame (RFC 6455 5.2)."""
    payload = text.encode()
    size = len(payload)
    header = bytes([0x81, size]) if size < 126 else bytes([0x81, 126]) + size.to_bytes(2, "big")
    return header + payload


class _Server:
    """Answers each CALL in the client's frames with a canned CALLRESULT."""

    def __init__(self) -> None:
        self._framer = _Unmasker()

    def answer(self, data: bytes) -> bytes:
        out = bytearray()
        for text in self._framer.messages(data):
            _, unique_id, action, _ = _ENVELOPE.decode(text)
            payload = _BOOT if action == "BootNotification" else _HEARTBEAT if action == "Heartbeat" else "{}"
            out += _server_frame(f'[3,"{unique_id}",{payload}]')
        return bytes(out)


class _Unmasker:
    def messages(self, data: bytes) -> list[bytes]:
        messages = []
        at = 0
        while at < len(data):
            size = data[at + 1] & 0x7F
            at += 2
            if size == 126:
                size = int.from_bytes(data[at : at + 2], "big")
                at += 2
            key = data[at : at + 4]
            at += 4
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(data[at : at + size]))
            messages.append(payload)
            at += size
        return messages


def _open(conn: StationConnection, server: _Server, now: float) -> None:
    conn.transport_opening(now)
    conn.transport_open(now)
    request = conn.data_to_send()
    key = next(line for line in request.split(b"\r\n") if line.startswith(b"Sec-WebSocket-Key")).split(b": ")[
        1
    ]

    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    conn.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: ocpp2.0.1\r\n\r\n",
        now,
    )
    for _ in range(10):  # boot, statuses
        data = conn.data_to_send()
        if not data:
            break
        conn.receive_data(server.answer(data), now)


def main(argv: list[str]) -> None:
    args = [a for a in argv[1:] if not a.startswith("--")]
    stations = int(args[0]) if args else 200
    rounds = int(args[1]) if len(args) > 1 else 100
    clock = SpeedClock(speed=1.0, origin=0.0)
    settings = ConnectionSettings(clock)
    recorder = RunRecorder()
    server = _Server()
    conns = []
    for index in range(stations):
        station_id = f"BENCH-{index:05d}"
        station = SimulatedStation(
            StationConfig(station_id=station_id), random.Random(index), DriverSettings(mean_idle_s=1e9)
        )
        conn = StationConnection(
            station_id,
            station,
            f"ws://127.0.0.1:9/{station_id}",
            settings,
            recorder,
            LazyRandom(index),
            station_credentials(ClientSecurity(), StationIdentity(station_id), station),
        )
        _open(conn, server, 0.0)
        conns.append(conn)
    last: list[bytes] = []

    def run() -> int:
        messages = 0
        for _ in range(rounds):
            for conn in conns:
                data = b""
                while not data:  # a wake-up may only re-arm the heartbeat (an answer came meanwhile)
                    now = conn.next_wakeup()
                    conn.wakeup(now)
                    data = conn.data_to_send()
                conn.receive_data(server.answer(data), now + 0.001)
                conn.data_to_send()
                messages += 1
        last.append(data)
        return messages

    # the canned server's own cost is measured apart and subtracted
    started = time.process_time()
    messages = run() if "--profile" not in argv else 0
    if "--profile" in argv:
        profile = cProfile.Profile()
        messages = profile.runcall(run)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    elapsed = time.process_time() - started
    sample = last[-1]
    server_started = time.process_time()
    for _ in range(messages):
        server.answer(sample)
    server_s = time.process_time() - server_started
    print(
        f"{messages} heartbeat round trips over {stations} stations: "
        f"{(elapsed - server_s) / messages * 1e6:.1f} us CPU per round trip in the connection core "
        f"(canned server subtracted: {server_s / messages * 1e6:.1f} us)"
    )


if __name__ == "__main__":
    main(sys.argv)
