"""A CSMS that accepts every station's WebSocket (with the OCPP subprotocol it asks for) and never
answers a frame: BootNotifications time out, no station ever boots (issue 17, finding 4)."""

from __future__ import annotations

import contextlib

import trio
import trio_websocket


async def _never_answer(request: trio_websocket.WebSocketRequest) -> None:
    connection = await request.accept(subprotocol=request.proposed_subprotocols[0])
    with contextlib.suppress(trio_websocket.ConnectionClosed):
        while True:
            await connection.get_message()  # read, never answer


async def serve_silent_csms(nursery: trio.Nursery) -> str:
    """Serve it on a loopback port in ``nursery``; its URL (a station appends its id)."""
    server = await nursery.start(trio_websocket.serve_websocket, _never_answer, "127.0.0.1", 0, None)
    return f"ws://127.0.0.1:{server.port}/ocpp"
