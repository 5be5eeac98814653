"""CPU per WebSocket message in three sans-IO client framers, no sockets: wsproto's ``Connection``
(what the lean transport, since removed, ran on), the ``websockets`` library's ``ClientProtocol``, and
``fleet.connection._framing.ClientFramer``. A measurement, never a test.

    python bench/framing_cost.py [--iterations 200000] [--repeat 3] [--out bench/results/framing_cost.json]

Per framer, two figures, each the best of REPEAT runs of ITERATIONS messages timed with
``time.process_time``: encode (a ~300-byte OCPP text message into one masked client frame, the
str-to-UTF-8 encoding included) and decode (one unmasked ~300-byte server text frame into the
message's str, the UTF-8 decoding included). Each figure includes one Python call per message
(the loop calls a function doing the library's minimal work for one message).
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: the bench package is not installed

# a MeterValues CALL as a 2.0.1 station sends it: 300 bytes of UTF-8
MESSAGE = (
    '[2,"d1c2b3a4-0001","MeterValues",{"evseId":1,"meterValue":[{"timestamp":"2025-03-01T12:00:00Z",'
    '"sampledValue":[{"value":18734,"measurand":"Energy.Active.Import.Register","unitOfMeasure":'
    '{"unit":"Wh"}},{"value":7360.0,"measurand":"Power.Active.Import"},{"value":32.1,"measurand":'
    '"Current.Import"}]}]}]'
)

Codec = tuple[Callable[[str], bytes], Callable[[bytes], str]]


def server_frame(text: str) -> bytes:
    """One unmasked FIN text frame, as a server sends it."""
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        return bytes([0x81, n]) + payload
    if n < 0x10000:
        return bytes([0x81, 126]) + struct.pack("!H", n) + payload
    return bytes([0x81, 127]) + struct.pack("!Q", n) + payload


def wsproto_codec() -> Codec:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import TextMessage

    connection = Connection(ConnectionType.CLIENT)
    send, receive_data, events = connection.send, connection.receive_data, connection.events

    def encode(text: str) -> bytes:
        data: bytes = send(TextMessage(text))
        return data

    def decode(frame: bytes) -> str:
        receive_data(frame)
        for event in events():
            if isinstance(event, TextMessage) and event.message_finished:
                text: str = event.data
                return text
        raise AssertionError("no message")

    return encode, decode


def websockets_codec() -> Codec:
    from websockets.client import ClientProtocol
    from websockets.frames import Frame
    from websockets.protocol import State
    from websockets.uri import parse_uri

    # OPEN from the start: the handshake is not what is measured
    protocol = ClientProtocol(parse_uri("ws://localhost/ocpp/BENCH-1"), state=State.OPEN)
    send_text, data_to_send = protocol.send_text, protocol.data_to_send
    receive_data, events_received = protocol.receive_data, protocol.events_received

    def encode(text: str) -> bytes:
        send_text(text.encode("utf-8"))
        (data,) = data_to_send()
        return data

    def decode(frame: bytes) -> str:
        receive_data(frame)
        (received,) = events_received()  # frames: the UTF-8 decoding is the caller's
        assert isinstance(received, Frame)
        return str(received.data, "utf-8")

    return encode, decode


def framer_codec() -> Codec:
    from fleet.connection._framing import ClientFramer

    framer = ClientFramer()
    receive = framer.receive

    def decode(frame: bytes) -> str:
        (message,) = receive(frame)
        assert isinstance(message, str)
        return message

    return framer.send_text, decode


FRAMERS: dict[str, Callable[[], Codec]] = {
    "wsproto": wsproto_codec,
    "websockets": websockets_codec,
    "ClientFramer": framer_codec,
}


def _check(name: str, codec: Codec) -> None:
    """Each framer does the work measured: its frame is what a server reads, and it decodes ours."""
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import TextMessage

    encode, decode = codec
    server = Connection(ConnectionType.SERVER)
    server.receive_data(encode(MESSAGE))
    received = [event.data for event in server.events() if isinstance(event, TextMessage)]
    assert received == [MESSAGE], f"{name}: a server does not read its frame"
    assert decode(server_frame(MESSAGE)) == MESSAGE, f"{name}: it does not decode a server frame"


def _per_message_us(call: Callable[[Any], object], argument: object, iterations: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(iterations):
            call(argument)
        best = min(best, time.process_time() - start)
    return best / iterations * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/framing_cost.py", description=__doc__)
    parser.add_argument("--iterations", type=int, default=200_000, help="messages per timed run")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure; the best counts")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "framing_cost.json")
    ns = parser.parse_args(argv)
    from bench._machine import machine_facts

    frame = server_frame(MESSAGE)
    rows: dict[str, dict[str, float]] = {}
    for name, make in FRAMERS.items():
        codec = make()
        _check(name, codec)
        encode, decode = codec
        rows[name] = {
            "encode_us": round(_per_message_us(encode, MESSAGE, ns.iterations, ns.repeat), 3),
            "decode_us": round(_per_message_us(decode, frame, ns.iterations, ns.repeat), 3),
        }
    baseline = rows["ClientFramer"]
    print(
        f"{len(MESSAGE.encode())}-byte text message, CPU per message (best of {ns.repeat} x {ns.iterations}):"
    )
    print(f"{'framer':<14}{'encode us':>11}{'decode us':>11}{'x encode':>10}{'x decode':>10}")
    for name, row in rows.items():
        encode_x, decode_x = (
            row["encode_us"] / baseline["encode_us"],
            row["decode_us"] / baseline["decode_us"],
        )
        print(
            f"{name:<14}{row['encode_us']:>11.2f}{row['decode_us']:>11.2f}{encode_x:>10.1f}{decode_x:>10.1f}"
        )
    result = {
        "machine": machine_facts(),
        "command": " ".join(["python bench/framing_cost.py", *(argv if argv is not None else sys.argv[1:])]),
        "message_bytes": len(MESSAGE.encode()),
        "frame_bytes": len(frame),
        "iterations": ns.iterations,
        "repeat": ns.repeat,
        "versions": {name: version(name) for name in ("wsproto", "websockets")},
        "cpu_us_per_message": rows,
    }
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {ns.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
