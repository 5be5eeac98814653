"""The reactor's own epoll wait (when nothing else in the process is runnable or waits for I/O)."""

from __future__ import annotations

import trio

from fleet.engine._reactor import _alone_for, _time_alone


async def _alone_decisions() -> tuple[tuple[float, bool] | None, tuple[float, bool] | None]:
    past = _time_alone(-0.25)  # a wake-up already overdue
    overdue = await _alone_for(trio.current_time() - 1.0)
    return past, overdue


def test_an_overdue_wakeup_never_asks_epoll_for_a_negative_wait() -> None:
    # epoll.poll(-x) blocks until an event comes: a run against an idle CSMS hung there for good
    past, overdue = trio.run(_alone_decisions)
    for decision in (past, overdue):
        assert decision is not None
        wait_s, _trio_is_due = decision
        assert wait_s == 0.0
