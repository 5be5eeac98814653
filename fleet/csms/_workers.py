"""The embedded CSMS in several processes on one port (SO_REUSEPORT): ``fleet csms --workers N``.

Each worker is an independent ``serve_csms`` with its own sessions and ledger; the kernel puts
each new connection on one worker, where it stays. When asked to stop, each worker sends its
ledger to the parent, which merges them (``merge_ledgers``) into the one summary of the run.
Each worker runs ``main`` below, started by ``csms_workers`` through fleet.processes.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TextIO

import trio

from fleet.csms._config import CsmsConfig
from fleet.csms._ledger import Ledger
from fleet.csms._ledger_merge import merge_ledgers
from fleet.csms._server import CsmsServer, serve_csms
from fleet.processes import ParentChannel, WorkerProcess, cancel_when_orphaned, describe_exit, run_child

_START_TIMEOUT_S = 30.0  # a python start-up plus a bind, on a machine that may be busy
_STOP_TIMEOUT_S = 15.0  # a worker pickles its ledger and exits; past this it is killed
_ENTRY = "fleet.csms._workers:main"


@dataclass(frozen=True, slots=True)
class _Spec:
    config: CsmsConfig
    host: str
    port: int


@dataclass(eq=False)
class _Member:
    process: WorkerProcess
    listening: trio.Event = field(default_factory=trio.Event)
    finished: trio.Event = field(default_factory=trio.Event)
    port: int | None = None
    failure: str | None = None  # what the worker said went wrong at start-up
    ledger: Ledger | None = None
    peer_addresses: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None

    async def read(self) -> None:
        async for message in self.process.messages():
            kind = message[0]
            if kind == "listening":
                self.port = message[1]
            elif kind == "failed":
                self.failure = message[1]
            elif kind == "ledger":
                self.ledger, self.peer_addresses = message[1], message[2]
            self.listening.set()
        self.exit_code = await self.process.wait()
        self.listening.set()
        self.finished.set()


class CsmsWorkerPool:
    """Running CSMS workers. Obtain with ``async with csms_workers(...) as pool``."""

    def __init__(self, host: str, port: int, members: list[_Member]) -> None:
        self.host = host
        self.port = port
        self._members = members
        self.ledger: Ledger | None = None  # the merged ledger, once stopped
        self.peer_addresses: dict[str, str] = {}  # station id -> source IP, once stopped
        self.failures: list[str] = []  # workers that died or sent no ledger

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    @property
    def size(self) -> int:
        return len(self._members)

    async def stop(self) -> Ledger:
        """Stop every worker and merge their ledgers (idempotent)."""
        if self.ledger is not None:
            return self.ledger
        for member in self._members:
            member.process.stop()
        with trio.move_on_after(_STOP_TIMEOUT_S):
            for member in self._members:
                await member.finished.wait()
        for index, member in enumerate(self._members):
            member.process.kill()
            if member.ledger is None:
                how = describe_exit(member.exit_code) if member.exit_code is not None else "no answer"
                self.failures.append(f"CSMS worker {index} died before sending its ledger: {how}")
        self.ledger = merge_ledgers(m.ledger for m in self._members if m.ledger is not None)
        for member in self._members:
            self.peer_addresses.update(member.peer_addresses)
        return self.ledger


@asynccontextmanager
async def csms_workers(
    config: CsmsConfig, host: str = "127.0.0.1", port: int = 0, *, count: int = 2
) -> AsyncIterator[CsmsWorkerPool]:
    """Start ``count`` CSMS worker processes on ``host:port`` (0: a free port); yield once all
    listen; stop them on exit. OSError if one cannot listen."""
    async with trio.open_nursery() as nursery:
        members: list[_Member] = []
        try:
            for index in range(count):
                members.append(_Member(await WorkerProcess.spawn(_ENTRY, f"CSMS worker {index}")))
                nursery.start_soon(members[-1].read)
            with _reserved_port(host, port) as port:
                for member in members:
                    await member.process.send_spec(_Spec(config, host, port))
                with trio.move_on_after(_START_TIMEOUT_S):
                    for member in members:
                        await member.listening.wait()
            for member in members:
                if member.port is None:
                    how = describe_exit(member.exit_code) if member.exit_code is not None else "no answer"
                    raise OSError(
                        member.failure
                        or f"{member.process.label} did not listen within {_START_TIMEOUT_S:g} s: {how}"
                    )
            pool = CsmsWorkerPool(host, port, members)
            try:
                yield pool
            finally:
                with trio.CancelScope(shield=True):
                    await pool.stop()
        finally:
            for member in members:
                member.process.kill()
            nursery.cancel_scope.cancel()


@contextmanager
def _reserved_port(host: str, port: int) -> Iterator[int]:
    """Bind (without listening) a SO_REUSEPORT socket on ``port`` while the workers join it: it
    picks the free port for ``port`` 0, and fails early if the port is taken. Connections only
    ever go to listening sockets, so it takes none of them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        yield int(sock.getsockname()[1])


async def run_csms_workers(
    config: CsmsConfig, host: str, port: int, count: int, *, out: TextIO | None = None
) -> None:
    """``fleet csms --workers N``: serve until SIGINT/SIGTERM, then print the merged ledger."""
    stream = out if out is not None else sys.stdout
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with csms_workers(config, host, port, count=count) as pool:
            print(
                f"CSMS (OCPP 2.0.1) listening on {pool.url}/<station-id> ({count} worker processes)",
                file=stream,
                flush=True,
            )
            async for _ in signals:
                break
            ledger = await pool.stop()
    for failure in pool.failures:
        print(f"fleet csms: {failure}", file=sys.stderr)
    print(json.dumps(ledger.summary(), indent=2), file=stream, flush=True)


# -- the worker process -----------------------------------------------------------------------


async def _serve(spec: _Spec, channel: ParentChannel) -> None:
    server: CsmsServer | None = None
    failure: str | None = None
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        try:
            async with trio.open_nursery() as nursery:
                server = await nursery.start(
                    partial(serve_csms, spec.config, spec.host, spec.port, reuse_port=True)
                )
                await channel.send(("listening", server.port))
                with trio.CancelScope() as waiting:
                    nursery.start_soon(cancel_when_orphaned, waiting)
                    async for _ in signals:
                        break
                nursery.cancel_scope.cancel()
        except* OSError as group:
            exc = group.exceptions[0]
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            failure = f"cannot listen on {spec.host}:{spec.port}: {reason}"
    if failure is not None or server is None:
        await channel.send(("failed", failure or "the server did not start"))
        return
    await channel.send(("ledger", server.ledger, server.peer_addresses))


def main() -> None:
    run_child(_serve, long_run=True)
