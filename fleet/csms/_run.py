"""``fleet csms``: serve the embedded CSMS in the foreground until interrupted."""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, TextIO

import trio

from fleet.csms._config import CsmsConfig
from fleet.csms._live_view import LiveView
from fleet.csms._script import ScriptStep
from fleet.csms._script_runner import ScriptClock, StepOutcome, run_script
from fleet.csms._security import CsmsSecurity
from fleet.csms._server import CsmsServer, serve_csms

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry


async def run_csms(
    config: CsmsConfig,
    host: str = "127.0.0.1",
    port: int = 9000,
    *,
    out: TextIO | None = None,
    registry: CollectorRegistry | None = None,
    script: list[ScriptStep] | None = None,
    security: CsmsSecurity | None = None,
    live: LiveView | None = None,
    companion: Callable[[CsmsServer], Awaitable[None]] | None = None,
) -> None:
    """Serve until cancelled (Ctrl-C). Prints the listening URL once, and the ledger summary
    as JSON when it stops, so a run's totals survive the interrupt. ``registry``: where the
    CSMS's Prometheus metrics go (the caller serves it; None: no metrics). ``script``: CSMS-initiated
    operations to run on schedule (wall clock, UTC), one line printed per step. ``security``: the
    OCPP security profile stations must meet (None: anyone over ws://). ``live``: the view the
    sessions feed; ``companion(server)``: a task served alongside once listening (the console)."""
    stream = out if out is not None else sys.stdout
    async with trio.open_nursery() as nursery:
        serve = partial(serve_csms, registry=registry, security=security, live=live)
        server: CsmsServer = await nursery.start(serve, config, host, port)
        print(f"CSMS (OCPP 2.0.1) listening on {server.url}/<station-id>", file=stream, flush=True)
        if companion is not None:
            nursery.start_soon(companion, server)
        if script:

            def report(outcome: StepOutcome) -> None:
                print(outcome.line(), file=stream, flush=True)

            clock = ScriptClock(real_origin=trio.current_time(), epoch_origin=time.time())
            nursery.start_soon(run_script, server, script, clock, random.Random(config.seed), report)
        try:
            await trio.sleep_forever()
        finally:
            print(json.dumps(server.ledger.summary(), indent=2), file=stream, flush=True)
