"""Ending a serving command on SIGINT (Ctrl-C) or SIGTERM alike: cancel it, let it print its
summary, and return normally, so the command exits 0 instead of with a traceback or 143."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Awaitable, Callable

import trio


async def until_signalled(serve: Callable[[], Awaitable[None]]) -> None:
    """Run ``serve`` until it returns or the first SIGINT/SIGTERM cancels it. An exception that
    ends it is raised as itself, not inside an exception group (so ``except OSError`` works)."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_cancel_on_signal, signals, nursery.cancel_scope)
                await serve()
                nursery.cancel_scope.cancel()
        except BaseExceptionGroup as group:
            raise _only(group) from None


async def _cancel_on_signal(signals: AsyncIterator[int], scope: trio.CancelScope) -> None:
    async for _ in signals:
        scope.cancel()
        return


def _only(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The single exception inside (nested) groups, or the group itself when there are several."""
    leaves = list(group.exceptions)
    while len(leaves) == 1 and isinstance(leaves[0], BaseExceptionGroup):
        leaves = list(leaves[0].exceptions)
    return leaves[0] if len(leaves) == 1 else group
