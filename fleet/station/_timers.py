"""Named deadlines. One dict, so ``next_deadline`` is a min() and re-arming a timer replaces it."""

from __future__ import annotations

from collections.abc import Callable, Hashable

TimerCallback = Callable[[float, float], None]
"""Called with (deadline, now): the deadline is the intended time, kept for latency honesty."""


class Timers:
    def __init__(self) -> None:
        self._armed: dict[Hashable, tuple[float, TimerCallback]] = {}

    def set(self, key: Hashable, at: float, callback: TimerCallback) -> None:
        self._armed[key] = (at, callback)

    def cancel(self, key: Hashable) -> None:
        self._armed.pop(key, None)

    def is_set(self, key: Hashable) -> bool:
        return key in self._armed

    def next_deadline(self) -> float | None:
        return min((at for at, _ in self._armed.values()), default=None)

    def pop_due(self, now: float) -> list[tuple[float, TimerCallback]]:
        """Remove and return the timers due at ``now``, earliest first."""
        due = [(at, key) for key, (at, _) in self._armed.items() if at <= now]
        if len(due) > 1:
            # same deadline: a stable order by key, so a run is reproducible from its seed
            due.sort(key=lambda item: (item[0], repr(item[1])))
        return [self._armed.pop(key) for _, key in due]


def next_period(deadline: float, interval: float, now: float) -> float:
    """The next tick of a periodic timer that fired at ``deadline``, skipping ticks missed by a late
    shell: one late message is honest (its intended time is kept), a burst of catch-up ones is not."""
    at = deadline + interval
    if at <= now:
        at += ((now - at) // interval + 1) * interval
    return at
