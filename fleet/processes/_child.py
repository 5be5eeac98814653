"""The child's side: read the spec, keep the real stdout for reports, serve under trio.

A child's entry point (``package.module:main``) calls ``run_child(serve)``. The child's own
stdout is moved to stderr, so a stray print cannot corrupt the message stream.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio

from fleet.processes._frames import first_message, frame
from fleet.processes._gc import tune_gc_for_long_runs

_PARENT_POLL_S = 1.0

Spec = TypeVar("Spec")


class ParentChannel:
    """The child's end: ``await send(message)``. Created by ``run_child``, inside ``trio.run``."""

    def __init__(self, fd: int) -> None:
        self._stream = trio.lowlevel.FdStream(fd)

    async def send(self, message: object) -> None:
        await self._stream.send_all(frame(message))


def run_child(serve: Callable[[Spec, ParentChannel], Awaitable[None]], *, long_run: bool) -> None:
    """The body of a child's entry point: read the spec the parent sends, keep the real stdout
    for messages (fd 1 then goes to stderr), tune the collector if the child holds much for a
    ``long_run`` (``tune_gc_for_long_runs``), then ``trio.run`` ``serve(spec, channel)``."""
    spec: Spec = _read_spec()
    channel_fd = _take_stdout()
    if long_run:
        tune_gc_for_long_runs()

    async def serve_parent() -> None:
        await serve(spec, ParentChannel(channel_fd))

    trio.run(serve_parent)


def _read_spec() -> Any:
    """The spec the parent wrote to this process's stdin (it closes stdin after it)."""
    return first_message(sys.stdin.buffer.read())


def _take_stdout() -> int:
    """Keep the real stdout for messages and point fd 1 at stderr."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    return fd


async def cancel_when_orphaned(scope: trio.CancelScope) -> None:
    """Cancel ``scope`` if the parent dies: a worker must not outlive the run it serves."""
    parent = os.getppid()
    while True:
        # polled: there is no portable event for "my parent died" (PR_SET_PDEATHSIG is Linux-only)
        await trio.sleep(_PARENT_POLL_S)
        if os.getppid() != parent:
            scope.cancel()
            return
