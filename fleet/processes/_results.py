"""One result from each of several children, for a synchronous parent (``fleet simulate``).

It runs trio itself, so the caller needs no event loop: each child gets its spec, computes, sends
one message (its result) and exits. A child that exits without one is a ``ChildDied``, and the
other children are killed at once rather than left to finish work nobody will read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import trio

from fleet.processes._parent import WorkerProcess, describe_exit


class ChildDied(RuntimeError):
    """A child exited (was killed, ran out of memory, raised) without sending its result."""

    def __init__(self, label: str, exit_code: int) -> None:
        super().__init__(f"{label} died without a result ({describe_exit(exit_code)})")
        self.label = label
        self.exit_code = exit_code


def results_of_children(entry: str, jobs: Sequence[tuple[str, object]]) -> list[Any]:
    """Start ``entry`` once per ``(label, spec)`` of ``jobs``, all at the same time, and return the
    last message of each child, in the order of ``jobs``. Raises ChildDied for the first child
    (in that order) that exits without a message. Not from inside a running trio loop."""
    return trio.run(_results, entry, jobs)


class _Child:
    def __init__(self, process: WorkerProcess) -> None:
        self.process = process
        self.answered = False
        self.result: Any = None
        self.death: ChildDied | None = None

    async def run(self, spec: object, siblings: trio.CancelScope) -> None:
        # a child that died before reading its spec shows as such in its exit code, below
        with contextlib.suppress(trio.BrokenResourceError):
            await self.process.send_spec(spec)
        async for message in self.process.messages():
            self.answered, self.result = True, message
        exit_code = await self.process.wait()
        if not self.answered:
            self.death = ChildDied(self.process.label, exit_code)
            siblings.cancel()


async def _results(entry: str, jobs: Sequence[tuple[str, object]]) -> list[Any]:
    children: list[_Child] = []
    try:
        for label, _ in jobs:  # all spawned before any spec is sent: their start-ups overlap
            children.append(_Child(await WorkerProcess.spawn(entry, label)))
        async with trio.open_nursery() as nursery:
            for child, (_, spec) in zip(children, jobs, strict=True):
                nursery.start_soon(child.run, spec, nursery.cancel_scope)
    finally:
        for child in children:
            child.process.kill()
    for child in children:
        if child.death is not None:
            raise child.death
    return [child.result for child in children]
