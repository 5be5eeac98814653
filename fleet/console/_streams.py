"""Server-Sent Events, throttled: each open page gets at most ``updates_per_s`` events a second,
and only when what it shows changed. The stream reads the live view on its own beat, so the
CSMS's frames never wait for a browser: the cost is per open page and tick, not per frame."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from fleet.console._context import ConsoleContext
from fleet.console._snapshot import overview_dict, station_dict

_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _event(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class Streams:
    def __init__(self, context: ConsoleContext) -> None:
        self._context = context

    @property
    def _interval(self) -> float:
        return 1.0 / self._context.settings.updates_per_s

    async def overview(self, request: Request) -> Response:
        return StreamingResponse(self._overview(), media_type="text/event-stream", headers=_HEADERS)

    async def station(self, request: Request) -> Response:
        station_id = request.path_params["station_id"]
        return StreamingResponse(self._station(station_id), media_type="text/event-stream", headers=_HEADERS)

    async def _overview(self) -> AsyncIterator[bytes]:
        context = self._context
        sent: object = None
        while True:
            sample = context.sampler.latest
            if sample is not sent:
                sent = sample
                yield _event(
                    {"fleet": overview_dict(context.live), "sample": sample.to_dict() if sample else None}
                )
            await anyio.sleep(self._interval)

    async def _station(self, station_id: str) -> AsyncIterator[bytes]:
        live = self._context.live
        version = -1
        while True:
            station = live.stations.get(station_id)
            if station is not None and station.version != version:
                version = station.version
                yield _event(station_dict(station))
            await anyio.sleep(self._interval)
