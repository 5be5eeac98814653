"""--console-port/--console-host/--console-password: the embedded CSMS's live web console
(`fleet csms`, and `fleet run` without --csms)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable

from fleet.cli import _arguments as arg
from fleet.console import PASSWORD_ENV, ConsoleSettings, bind_console, serve_console
from fleet.csms import CsmsServer, LiveView

DEFAULT_HOST = "127.0.0.1"


def add_console_options(parser: argparse.ArgumentParser, *, embedded: bool) -> None:
    where = "the embedded CSMS (not with --csms URL)" if embedded else "the CSMS"
    # fleet run: a page per simulated station where a person is one more driver at it
    display = ", each simulated station's own display (badge a card, plug in, stop)" if embedded else ""
    group = parser.add_argument_group(
        "live console",
        f"a web console of {where}: the fleet, each station, its transaction and last frames, operator "
        f'actions{display} (README "Live console")',
    )
    group.add_argument(
        "--console-port",
        type=arg.port,
        metavar="PORT",
        help="serve the console on this port (0 = any free port; the URL is printed at start)",
    )
    group.add_argument(
        "--console-host",
        default=DEFAULT_HOST,
        metavar="HOST",
        help=f"the console's listen address (default {DEFAULT_HOST}: this machine only)",
    )
    group.add_argument(
        "--console-password",
        metavar="TEXT",
        help=f"the administrator's password for the console login (env {PASSWORD_ENV}); "
        "required with --console-port",
    )


def console_settings(ns: argparse.Namespace) -> ConsoleSettings | None:
    """The console's settings (None: no --console-port). Raises ValueError with a one-line reason:
    no password, a --csms URL (`fleet run`), or more than one worker process."""
    if ns.console_port is None:
        # the password may come from the environment for every command: only the host is an error
        if ns.console_host != DEFAULT_HOST:
            raise ValueError("--console-host needs --console-port PORT")
        return None
    if not ns.console_password:
        raise ValueError(
            f"--console-port needs an administrator password: --console-password TEXT or {PASSWORD_ENV}"
        )
    if vars(ns).get("csms"):
        raise ValueError("--console-port serves the embedded CSMS's console; drop --csms URL")
    if (vars(ns).get("workers") or 1) > 1:
        raise ValueError("--console-port needs --workers 1 (one process sees every station)")
    return ConsoleSettings(password=ns.console_password, host=ns.console_host, port=ns.console_port)


def console_companion(
    settings: ConsoleSettings | None,
) -> tuple[LiveView | None, Callable[[CsmsServer], Awaitable[None]] | None]:
    """For `fleet csms`: the live view its sessions feed and the task that serves the console
    beside it (both None without a console). Binds the console's port now: raises
    ``ConsoleUnavailable`` (one line) before the CSMS starts."""
    if settings is None:
        return None, None
    listener = bind_console(settings)
    live = LiveView()

    async def companion(server: CsmsServer) -> None:
        await serve_console(server, live, settings, listener=listener)

    return live, companion
