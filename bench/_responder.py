"""The minimal responder: answers every CALL with a canned, schema-valid CALLRESULT, nothing else.

A separate process for the CPU-per-round-trip figure, so the server is not what is measured nor
the bottleneck: no session state, no ledger, one msgspec decode of the envelope per frame.

    python -m bench._responder [--port 0] [--heartbeat-interval 1]

Prints ``listening on ws://127.0.0.1:PORT`` once, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

import msgspec
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

_ENVELOPE = msgspec.json.Decoder(tuple[int, str, str, msgspec.Raw])
_NOW = '"2026-01-01T00:00:00Z"'


def canned_payloads(heartbeat_interval: int) -> dict[str, str]:
    """Response payloads with required fields; every other station-initiated action gets ``{}``,
    which is valid for the ones the simple driver and the profiles send."""
    return {
        "BootNotification": f'{{"currentTime":{_NOW},"interval":{heartbeat_interval},"status":"Accepted"}}',
        "Heartbeat": f'{{"currentTime":{_NOW}}}',
        "Authorize": '{"idTokenInfo":{"status":"Accepted"}}',
        "DataTransfer": '{"status":"Accepted"}',
    }


def answer(frame: str | bytes, payloads: dict[str, str]) -> str | None:
    """The CALLRESULT for a CALL frame; None for anything else (a station sends only CALLs here)."""
    try:
        kind, unique_id, action, _ = _ENVELOPE.decode(frame)
    except msgspec.DecodeError:
        return None
    if kind != 2:
        return None
    return f"[3,{msgspec.json.encode(unique_id).decode()},{payloads.get(action, '{}')}]"


async def _serve(port: int, heartbeat_interval: int, ping_interval: float | None = 20.0) -> None:
    payloads = canned_payloads(heartbeat_interval)

    async def handle(ws: ServerConnection) -> None:
        try:
            async for frame in ws:
                reply = answer(frame, payloads)
                if reply is not None:
                    await ws.send(reply)
        except ConnectionClosed:
            return

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handle,
        "127.0.0.1",
        port,
        subprotocols=[Subprotocol("ocpp2.0.1")],
        compression=None,
        max_queue=None,
        ping_interval=ping_interval,  # websockets' default: a ping per connection every 20 s
    ) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on ws://127.0.0.1:{bound}", flush=True)
        await stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._responder", description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--heartbeat-interval", type=int, default=1, metavar="S")
    parser.add_argument(
        "--ping-interval",
        type=float,
        default=20.0,
        metavar="S",
        help="WebSocket ping per connection every S seconds (default 20, the websockets library's; 0: none)",
    )
    ns = parser.parse_args(argv)
    asyncio.run(_serve(ns.port, ns.heartbeat_interval, ns.ping_interval or None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
