"""Run `fleet locust` as a subprocess (Locust patches its process with gevent; never this one)
against the embedded CSMS served by trio in the test process."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import trio

from fleet.csms import CsmsConfig, CsmsServer, serve_csms

FLEET_LOCUST = [sys.executable, "-m", "fleet", "locust"]
STOP_TIMEOUT = 15.0


class LocustProcess:
    """A running `fleet locust`; its merged stdout/stderr is collected as it comes."""

    def __init__(self, process: trio.Process) -> None:
        self.process = process
        self.output = bytearray()
        self._changed = trio.Event()
        self._ended = False

    async def collect_output(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while chunk := await stream.receive_some():
            self.output += chunk
            self._notify()
        self._ended = True
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    async def wait_for(self, needle: bytes) -> None:
        """Until ``needle`` appears in the output (the caller bounds the time)."""
        while needle not in self.output:
            if self._ended:
                raise AssertionError(f"locust ended without printing {needle!r}:\n{self.text()[-3000:]}")
            await self._changed.wait()

    async def wait(self) -> int:
        """Until the process and its output have ended (the caller bounds the time)."""
        await self.process.wait()
        while not self._ended:
            await self._changed.wait()
        code = self.process.returncode
        assert code is not None
        return code

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")


@asynccontextmanager
async def open_csms() -> AsyncIterator[CsmsServer]:
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(serve_csms, CsmsConfig(), "127.0.0.1", 0)
        yield server
        nursery.cancel_scope.cancel()


@asynccontextmanager
async def fleet_locust(args: Sequence[str], cwd: Path) -> AsyncIterator[LocustProcess]:
    """`fleet locust ARGS` for the length of the block; stopped (SIGINT, then SIGKILL) if still running."""
    process = await trio.lowlevel.open_process(
        [*FLEET_LOCUST, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    locust = LocustProcess(process)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(locust.collect_output)
        try:
            yield locust
        finally:
            with trio.CancelScope(shield=True):
                if process.returncode is None:
                    process.send_signal(signal.SIGINT)
                    with trio.move_on_after(STOP_TIMEOUT):
                        await process.wait()
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            nursery.cancel_scope.cancel()


def read_stats(csv_prefix: Path) -> dict[tuple[str, str], dict[str, str]]:
    """Locust's ``<prefix>_stats.csv`` keyed by (Type, Name)."""
    with (csv_prefix.parent / f"{csv_prefix.name}_stats.csv").open(newline="") as file:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(file)}
