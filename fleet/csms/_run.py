"""``fleet csms``: serve the embedded CSMS in the foreground until interrupted."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import trio

from fleet.csms._config import CsmsConfig
from fleet.csms._server import CsmsServer, serve_csms


async def run_csms(
    config: CsmsConfig, host: str = "127.0.0.1", port: int = 9000, *, out: TextIO | None = None
) -> None:
    """Serve until cancelled (Ctrl-C). Prints the listening URL once, and the ledger summary
    as JSON when it stops, so a run's totals survive the interrupt."""
    stream = out if out is not None else sys.stdout
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, config, host, port)
        print(f"CSMS (OCPP 2.0.1) listening on {server.url}/<station-id>", file=stream, flush=True)
        try:
            await trio.sleep_forever()
        finally:
            print(json.dumps(server.ledger.summary(), indent=2), file=stream, flush=True)
