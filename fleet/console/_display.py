"""The station's own display (the OCPP paper's customer login at the station): a page per
simulated station of the run where a person is one more driver at it: present a card or a PIN,
plug in, watch the charge, stop, unplug. The station sends the CSMS the real frames for it.

The console does not know the stations: it reaches them through ``DisplayDoor``, which the
engine implements (``fleet.engine``'s station displays, on the reactor's stations of ``fleet
run``). Routes: GET /stations/{id}/display (the page), GET /stations/{id}/display/state (what the
display shows, JSON, which the page polls once a second), POST /stations/{id}/display/{action}
(a form: csrf, evse_id, id_token, kind; answers JSON when asked for it, else flashes the outcome
and redirects to the page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from fleet.console._auth import csrf_ok
from fleet.console._context import form_fields, templates

ACTIONS = ("present", "plug-in", "stop", "unplug")  # what a person at the station can do
TOKEN_KINDS = ("rfid", "pin")  # a card on the reader, a PIN on the keypad
POLL_EVERY_MS = 1000  # the page asks for the display's state this often


class EvseOnDisplay(Protocol):
    """One EVSE as the station's display shows it."""

    @property
    def evse_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def user(self) -> str:
        """Who is at it: "free", "you" (the person at the display) or "driver" (a simulated one)."""
        ...

    @property
    def transaction_id(self) -> str | None: ...
    @property
    def charging_state(self) -> str: ...
    @property
    def power_w(self) -> float: ...
    @property
    def id_token(self) -> str | None: ...
    @property
    def energy_wh(self) -> float: ...
    @property
    def soc_percent(self) -> float | None: ...
    @property
    def plugged_s(self) -> float: ...


class DisplayScreen(Protocol):
    @property
    def station_id(self) -> str: ...
    @property
    def ocpp_version(self) -> str: ...
    @property
    def online(self) -> bool: ...
    @property
    def message(self) -> str: ...
    @property
    def evses(self) -> Sequence[EvseOnDisplay]: ...


class DisplayDoor(Protocol):
    """The door from the console to the run's simulated stations (``fleet.engine.StationDisplays``)."""

    def screen(self, station_id: str) -> DisplayScreen | None:
        """What the station's display shows now; None: no simulated station of that id runs here."""
        ...

    def act(self, station_id: str, action: str, evse_id: int, id_token: str, kind: str) -> str:
        """Do ``action`` (one of ``ACTIONS``) at the station now; returns what the display says.
        Raises ValueError with the reason shown to the person when it cannot be done, and
        LookupError when no such station runs."""
        ...


def display_routes(displays: DisplayDoor) -> list[BaseRoute]:
    """The display's routes, for ``create_console_app(extra_routes=...)`` (behind its login)."""
    display = _Display(displays, templates())
    return [
        Route("/stations/{station_id}/display", display.page, methods=["GET"]),
        Route("/stations/{station_id}/display/state", display.state, methods=["GET"]),
        Route("/stations/{station_id}/display/{action}", display.act, methods=["POST"]),
    ]


def screen_dict(screen: DisplayScreen) -> dict[str, Any]:
    return {
        "station_id": screen.station_id,
        "ocpp_version": screen.ocpp_version,
        "online": screen.online,
        "message": screen.message,
        "evses": [
            {
                "evse_id": evse.evse_id,
                "status": evse.status,
                "user": evse.user,
                "transaction_id": evse.transaction_id,
                "charging_state": evse.charging_state,
                "power_w": evse.power_w,
                "id_token": evse.id_token,
                "energy_wh": evse.energy_wh,
                "soc_percent": evse.soc_percent,
                "plugged_s": evse.plugged_s,
            }
            for evse in screen.evses
        ],
    }


class _Display:
    def __init__(self, displays: DisplayDoor, pages: Jinja2Templates) -> None:
        self._displays = displays
        self._pages = pages

    async def page(self, request: Request) -> Response:
        station_id = request.path_params["station_id"]
        screen = self._displays.screen(station_id)
        values: dict[str, Any] = {
            "csrf": request.session.get("csrf", ""),
            "flash": request.session.pop("flash", None),
            "station_id": station_id,
        }
        if screen is None:
            return self._pages.TemplateResponse(request, "display_missing.html", values, status_code=404)
        values.update(
            screen=screen_dict(screen),
            kinds=TOKEN_KINDS,
            chosen=request.query_params.get("evse", "1"),
            poll_every_ms=POLL_EVERY_MS,
        )
        return self._pages.TemplateResponse(request, "display.html", values)

    async def state(self, request: Request) -> Response:
        station_id = request.path_params["station_id"]
        screen = self._displays.screen(station_id)
        if screen is None:
            return JSONResponse({"error": f"no simulated station {station_id!r} runs here"}, status_code=404)
        return JSONResponse(screen_dict(screen))

    async def act(self, request: Request) -> Response:
        station_id, action = request.path_params["station_id"], request.path_params["action"]
        fields = await form_fields(request)
        status, message = self._outcome(request, station_id, action, fields)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"ok": status == 200, "message": message}, status_code=status)
        request.session["flash"] = {"ok": status == 200, "text": message}
        evse = quote(fields.get("evse_id", "1"), safe="")
        return RedirectResponse(f"/stations/{quote(station_id, safe='')}/display?evse={evse}", 303)

    def _outcome(
        self, request: Request, station_id: str, action: str, fields: dict[str, str]
    ) -> tuple[int, str]:
        """(HTTP status, what the display says) of one action."""
        if not csrf_ok(request, fields):
            return 403, "The form was stale (CSRF token): reload the display and retry."
        if action not in ACTIONS:
            return 404, f"no display action {action!r}: use one of {', '.join(ACTIONS)}"
        try:
            evse_id = int(fields.get("evse_id", "1"))
        except ValueError:
            return 400, f"evse_id must be a whole number, got {fields.get('evse_id')!r}"
        try:
            said = self._displays.act(
                station_id, action, evse_id, fields.get("id_token", ""), fields.get("kind", "rfid")
            )
        except LookupError:
            return 404, f"no simulated station {station_id!r} runs here"
        except ValueError as exc:
            return 409, str(exc)
        return 200, said
