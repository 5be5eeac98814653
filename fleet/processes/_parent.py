"""The parent's side of a child process: start it, hand it its spec, read its reports, stop it.

Why plain ``python`` children rather than multiprocessing with fork: a parent may be a running
trio program, and forking it would copy the run loop's state (wakeup fd, signal handlers, helper
threads) into the child, which trio does not support. The "spawn" context would work too, but a
child started by ``trio.lowlevel.open_process`` gives the parent its stdout as a trio stream (no
reader threads), and the child's stderr passes through.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import trio

from fleet.processes._frames import frame, take_messages


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
            await stdin.send_all(frame(spec))
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
            for message in take_messages(buffer):
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
