"""Serve the console with hypercorn's trio worker, in the CSMS's own nursery."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TextIO

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from starlette.routing import BaseRoute

from fleet.console._app import create_console_app
from fleet.console._sampler import FleetSampler
from fleet.console._settings import ConsoleSettings
from fleet.csms import CsmsServer, LiveView

SAMPLE_EVERY_S = 1.0


class ConsoleUnavailable(Exception):
    """The console cannot listen where it was asked to (the message is one line, for the user)."""


def console_url(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


@dataclass(slots=True)
class ConsoleListener:
    """The console's listening socket, bound before anything is served, so a taken port is a
    plain one-line error before the run starts (hypercorn takes the descriptor over)."""

    fd: int
    host: str
    port: int

    @property
    def url(self) -> str:
        return console_url(self.host, self.port)

    def close(self) -> None:
        """Close the socket if it was never served (serving closes it itself)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def bind_console(settings: ConsoleSettings) -> ConsoleListener:
    """Bind and listen on the console's address; raises ``ConsoleUnavailable`` (one line)."""
    where = f"{settings.host}:{settings.port}"
    try:
        family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((settings.host, settings.port))
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
    except OSError as exc:
        raise ConsoleUnavailable(f"--console-port: cannot listen on {where}: {exc.strerror or exc}") from None
    port = sock.getsockname()[1]
    return ConsoleListener(sock.detach(), settings.host, port)


async def serve_console(
    server: CsmsServer,
    live: LiveView,
    settings: ConsoleSettings,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    display_available: bool = False,
    listener: ConsoleListener | None = None,
    out: TextIO | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the console of ``server`` until cancelled; with ``nursery.start`` it hands back the
    URL once listening (also printed on ``out``, default stderr). ``listener``: the socket
    ``bind_console(settings)`` made (None: bind here, raising ``ConsoleUnavailable``)."""
    listener = listener if listener is not None else bind_console(settings)
    sampler = FleetSampler(live)
    app = create_console_app(
        server,
        live,
        settings,
        sampler=sampler,
        extra_routes=extra_routes,
        display_available=display_available,
    )
    config = Config()
    config.bind = [f"fd://{listener.fd}"]
    listener.fd = -1  # hypercorn owns the socket from here
    config.graceful_timeout = 1.0
    config.accesslog = None
    config.errorlog = None  # the console's own errors surface as exceptions, not log lines
    async with trio.open_nursery() as nursery:
        await nursery.start(partial(serve, app, config, mode="asgi"))  # type: ignore[arg-type]
        print(
            f"CSMS console on {listener.url} (log in with the console password)",
            file=out or sys.stderr,
            flush=True,
        )
        nursery.start_soon(_sample, sampler)
        task_status.started(listener.url)


async def _sample(sampler: FleetSampler) -> None:
    while True:
        sampler.tick()
        await trio.sleep(SAMPLE_EVERY_S)
