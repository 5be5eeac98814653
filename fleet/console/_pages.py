"""The console's pages, rendered on the server: the fleet, the station list (paged, filtered and
sorted on the server, so 50,000 stations cost one page of rows), one station, the ledger."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fleet.console._context import ConsoleContext
from fleet.console._snapshot import overview_dict, station_dict, transaction_dict
from fleet.csms import STATION_STATES

PAGE_SIZES = (25, 50, 100, 200)
SORTS = ("id", "state", "version", "messages", "errors")
VERSIONS = ("2.0.1", "1.6")


def _number(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A query parameter as an int in [low, high]; ``default`` when missing or not a number."""
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


class Pages:
    def __init__(self, context: ConsoleContext) -> None:
        self._context = context

    async def overview(self, request: Request) -> Response:
        context = self._context
        history = [sample.to_dict() for sample in context.sampler.history]
        return context.render(request, "overview.html", fleet=overview_dict(context.live), history=history)

    async def stations(self, request: Request) -> Response:
        query = request.query_params
        state = query.get("state", "") if query.get("state", "") in STATION_STATES else ""
        version = query.get("version", "") if query.get("version", "") in VERSIONS else ""
        sort = query.get("sort", "id") if query.get("sort", "id") in SORTS else "id"
        size = _number(request, "size", 50, 1, max(PAGE_SIZES))
        contains = query.get("q", "").strip()[:64]
        descending = query.get("desc", "") == "1"
        page = _number(request, "page", 1, 1, 10**9)
        total, rows = self._context.live.page(
            state=state,
            contains=contains,
            ocpp_version=version,
            sort=sort,
            descending=descending,
            offset=(page - 1) * size,
            limit=size,
        )
        filters = {
            "state": state,
            "q": contains,
            "version": version,
            "sort": sort,
            "desc": "1" if descending else "",
        }
        return self._context.render(
            request,
            "stations.html",
            rows=rows,
            total=total,
            page=page,
            pages=max(1, math.ceil(total / size)),
            size=size,
            filters=filters,
            states=STATION_STATES,
            versions=VERSIONS,
            sorts=SORTS,
            page_sizes=PAGE_SIZES,
        )

    async def station(self, request: Request) -> Response:
        context = self._context
        station_id = request.path_params["station_id"]
        station = context.live.stations.get(station_id)
        if station is None:
            return context.render(request, "missing.html", status_code=404, station_id=station_id)
        return context.render(
            request,
            "station.html",
            station=station_dict(station),
            variables=sorted(station.variables.items()),
            display_available=context.display_available,
        )

    async def transactions(self, request: Request) -> Response:
        context = self._context
        size = 50
        page = _number(request, "page", 1, 1, 10**9)
        total, rows = context.live.ledger((page - 1) * size, size)
        return context.render(
            request,
            "transactions.html",
            rows=[transaction_dict(row) for row in rows],
            total=total,
            page=page,
            pages=max(1, math.ceil(total / size)),
        )

    async def station_json(self, request: Request) -> Response:
        context = self._context
        station = context.live.stations.get(request.path_params["station_id"])
        if station is None:
            return JSONResponse({"error": "no such station"}, status_code=404)
        return JSONResponse(station_dict(station))

    async def overview_json(self, request: Request) -> Response:
        return JSONResponse(overview_dict(self._context.live))
