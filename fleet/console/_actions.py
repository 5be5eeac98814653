"""POST /stations/{id}/actions/{name}: one operator action, sent as a real CSMS-initiated call
through ``CsmsServer.call``; its answer (or why there is none) is flashed on the station page."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fleet.console._auth import csrf_ok
from fleet.console._context import ConsoleContext, form_fields
from fleet.console._operator_calls import BUILDERS
from fleet.csms import StationCallFailed, StationCallRefused
from fleet.ocpp import answer_status

CALL_TIMEOUT_S = 15.0


class Actions:
    def __init__(self, context: ConsoleContext) -> None:
        self._context = context

    async def run(self, request: Request) -> Response:
        station_id, name = request.path_params["station_id"], request.path_params["name"]
        fields = await form_fields(request)
        back = RedirectResponse(f"/stations/{quote(station_id, safe='')}", status_code=303)
        if not csrf_ok(request, fields):
            request.session["flash"] = {
                "ok": False,
                "text": "The form was stale (CSRF token): reload and retry.",
            }
            return back
        request.session["flash"] = await self._outcome(station_id, name, fields)
        return back

    async def _outcome(self, station_id: str, name: str, fields: dict[str, str]) -> dict[str, object]:
        station = self._context.live.stations.get(station_id)
        builder = BUILDERS.get(name)
        if station is None or builder is None:
            return {"ok": False, "text": f"No action {name!r} for station {station_id!r}."}
        try:
            action, payload = builder(station, fields)
        except ValueError as exc:
            return {"ok": False, "text": f"{name}: {exc}"}
        try:
            response = await self._context.server.call(station_id, action, payload, timeout=CALL_TIMEOUT_S)
        except StationCallRefused as exc:
            return {"ok": False, "text": f"{action}: CALLERROR {exc.error_code}: {exc.description}"}
        except StationCallFailed as exc:
            return {"ok": False, "text": str(exc)}
        return {"ok": True, "text": f"{action}: {answer_status(response, 'answered')}"}
