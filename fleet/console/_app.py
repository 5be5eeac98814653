"""The console's ASGI app (Starlette): its routes, the login gate in front of all of them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from fleet.console._actions import Actions
from fleet.console._auth import Login, LoginGate
from fleet.console._context import ConsoleContext, templates
from fleet.console._pages import Pages
from fleet.console._sampler import FleetSampler
from fleet.console._settings import ConsoleSettings
from fleet.console._streams import Streams
from fleet.csms import CsmsServer, LiveView

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "fleet_console"
# uPlot is vendored once, with the HTML report's assets; the console serves those files
_UPLOT = {"uPlot.iife.min.js": "text/javascript", "uPlot.min.css": "text/css"}


async def _uplot(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _UPLOT:
        return Response("not found", status_code=404)
    body = files("fleet.metrics").joinpath("report_assets", name).read_bytes()
    return Response(body, media_type=_UPLOT[name], headers={"Cache-Control": "max-age=3600"})


def create_console_app(
    server: CsmsServer,
    live: LiveView,
    settings: ConsoleSettings,
    *,
    sampler: FleetSampler | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    display_available: bool = False,
    session_secret: str | None = None,
) -> Starlette:
    """The console of ``server`` showing ``live`` (the view its sessions feed). ``extra_routes``
    are served behind the same login (the station display); ``display_available``: the station
    page links to /stations/{id}/display. ``sampler``: the fleet's figures once a second (its
    ticks are the caller's: ``serve_console`` runs them). ``session_secret`` signs the session
    cookie (default: a random one per process, so a restart logs everyone out)."""
    context = ConsoleContext(
        server, live, settings, sampler or FleetSampler(live), display_available, templates()
    )
    login, pages, actions, streams = Login(context), Pages(context), Actions(context), Streams(context)
    routes: list[BaseRoute] = [
        Route("/login", login.page, methods=["GET"]),
        Route("/login", login.submit, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route("/", pages.overview),
        Route("/stations", pages.stations),
        Route("/stations/{station_id}/actions/{name}", actions.run, methods=["POST"]),
        *extra_routes,
        Route("/stations/{station_id}", pages.station),
        Route("/transactions", pages.transactions),
        Route("/api/fleet", pages.overview_json),
        Route("/api/stations/{station_id}", pages.station_json),
        Route("/api/events/fleet", streams.overview),
        Route("/api/events/stations/{station_id}", streams.station),
        Route("/assets/uplot/{name}", _uplot),
        Mount("/assets", app=StaticFiles(directory=STATIC), name="assets"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=session_secret or secrets.token_urlsafe(32),
            session_cookie=SESSION_COOKIE,
            same_site="strict",
            max_age=12 * 3600,
        ),
        Middleware(LoginGate),
    ]
    return Starlette(routes=routes, middleware=middleware)
