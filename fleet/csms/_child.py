"""Worker processes: the parent starts a fresh interpreter, hands it one spec, reads its reports.

Used by ``fleet csms --workers`` and by ``fleet run --workers`` (fleet.engine), so it sits in the
lowest layer both may import. Why plain ``python`` children rather than multiprocessing with
fork: the parent is a running trio program, and forking it would copy the run loop's state
(wakeup fd, signal handlers, helper threads) into the child, which trio does not support. The
"spawn" context would work too, but a child started by ``trio.lowlevel.open_process`` gives the
parent its stdout as a trio stream (no reader threads), and the child's stderr passes through.

Messages are length-prefixed pickles: both ends are the same program on the same machine, never
a network peer, and pickle carries a job, a recorder dict or a Ledger without a schema of its own.
The child's own stdout is moved to stderr, so a stray print cannot corrupt the message stream.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import trio

_HEADER = struct.Struct("!I")
_PARENT_POLL_S = 1.0


def _frame(message: object) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


class WorkerProcess:
    """One child process as the parent sees it. ``label`` names it in error messages."""

    def __init__(self, process: trio.Process, label: str) -> None:
        self.process = process
        self.label = label

    @classmethod
    async def spawn(cls, entry: str, label: str) -> WorkerProcess:
        """Start ``entry`` ("package.module:function") in a new interpreter; it imports, then
        waits for ``send_spec`` (so several workers' start-up costs overlap)."""
        module, function = entry.split(":")
        # -c rather than -m: the worker modules are imported by their packages' __init__, and
        # runpy warns (and imports them twice) when asked to run such a module as __main__
        process = await trio.lowlevel.open_process(
            [sys.executable, "-c", f"from {module} import {function}; {function}()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        return cls(process, label)

    async def send_spec(self, spec: object) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            await stdin.send_all(_frame(spec))
            await stdin.aclose()
        except BaseException:
            self.process.kill()
            raise

    @classmethod
    async def start(cls, entry: str, spec: object, label: str) -> WorkerProcess:
        worker = await cls.spawn(entry, label)
        await worker.send_spec(spec)
        return worker

    async def messages(self) -> AsyncIterator[Any]:
        """Every message the child sends, until it closes its end (exits)."""
        stream = self.process.stdout
        assert stream is not None
        buffer = bytearray()
        while True:
            chunk = await stream.receive_some(1 << 16)
            if not chunk:
                return
            buffer += chunk
            while len(buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(buffer)
                if len(buffer) < _HEADER.size + size:
                    break
                message = pickle.loads(bytes(buffer[_HEADER.size : _HEADER.size + size]))
                del buffer[: _HEADER.size + size]
                yield message

    def stop(self) -> None:
        """Ask the child to finish (SIGTERM): it stops, sends its last report and exits."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()

    async def wait(self) -> int:
        return await self.process.wait()


def describe_exit(code: int) -> str:
    """'exit code 3', or 'killed by SIGKILL (exit code -9)' for a signal."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name} (exit code {code})"
    return f"exit code {code}"


# -- the child's side --------------------------------------------------------------------------


def read_spec() -> Any:
    """The spec the parent wrote to this process's stdin (call once, before ``trio.run``)."""
    data = sys.stdin.buffer.read()
    (size,) = _HEADER.unpack_from(data)
    return pickle.loads(data[_HEADER.size : _HEADER.size + size])


def take_stdout() -> int:
    """Keep the real stdout for messages and point fd 1 at stderr (call before ``trio.run``)."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    return fd


class ParentChannel:
    """The child's end: ``await send(message)``. Create inside ``trio.run``."""

    def __init__(self, fd: int) -> None:
        self._stream = trio.lowlevel.FdStream(fd)

    async def send(self, message: object) -> None:
        await self._stream.send_all(_frame(message))


async def cancel_when_orphaned(scope: trio.CancelScope) -> None:
    """Cancel ``scope`` if the parent dies: a CSMS worker must not outlive the run it serves."""
    parent = os.getppid()
    while True:
        # polled: there is no portable event for "my parent died" (PR_SET_PDEATHSIG is Linux-only)
        await trio.sleep(_PARENT_POLL_S)
        if os.getppid() != parent:
            scope.cancel()
            return
