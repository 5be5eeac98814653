"""The live console of the embedded CSMS: a web app (Starlette on hypercorn's trio worker,
Jinja2 pages, uPlot charts, Server-Sent Events) behind an administrator login, showing the
``fleet.csms.LiveView`` its sessions feed and sending the operator's calls through
``CsmsServer.call``. ``serve_console`` runs it in the CSMS's nursery; ``create_console_app`` is
the app itself (tests, and the station display's routes mount into it)."""

from fleet.console._app import create_console_app
from fleet.console._display import DisplayDoor, DisplayScreen, EvseOnDisplay, display_routes
from fleet.console._sampler import FleetSample, FleetSampler
from fleet.console._serve import ConsoleListener, ConsoleUnavailable, bind_console, console_url, serve_console
from fleet.console._settings import PASSWORD_ENV, ConsoleSettings

__all__ = [
    "PASSWORD_ENV",
    "ConsoleListener",
    "ConsoleSettings",
    "ConsoleUnavailable",
    "DisplayDoor",
    "DisplayScreen",
    "EvseOnDisplay",
    "FleetSample",
    "FleetSampler",
    "bind_console",
    "console_url",
    "create_console_app",
    "display_routes",
    "serve_console",
]
