"""Entry points of the children that tests/processes starts (their PYTHONPATH holds this folder)."""

from __future__ import annotations

import os
import signal

from fleet.processes import ParentChannel, run_child


def echo() -> None:
    """Sends back each item of its spec (a list), one message per item."""
    run_child(_echo, long_run=False)


async def _echo(spec: list[object], channel: ParentChannel) -> None:
    print("a stray print goes to stderr, not into the messages")
    for item in spec:
        await channel.send(item)


def die() -> None:
    """Killed before it reads its spec."""
    os.kill(os.getpid(), signal.SIGKILL)
