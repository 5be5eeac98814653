"""Named deadlines. One dict, so re-arming a timer replaces it; the earliest deadline is cached,
because the shells ask for it after every input and most inputs do not touch the timers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable

TimerCallback = Callable[[float, float], None]
"""Called with (deadline, now): the deadline is the intended time, kept for latency honesty."""


class Timers:
    __slots__ = ("_armed", "_earliest", "_stale")

    def __init__(self) -> None:
        self._armed: dict[Hashable, tuple[float, TimerCallback]] = {}
        self._earliest: float | None = None
        self._stale = False  # the earliest timer was cancelled or replaced: recompute on demand

    def set(self, key: Hashable, at: float, callback: TimerCallback) -> None:
        armed = self._armed
        previous = armed.get(key)
        armed[key] = (at, callback)
        if previous is not None and previous[0] == self._earliest:
            self._stale = True
        elif not self._stale and (self._earliest is None or at < self._earliest):
            self._earliest = at

    def postpone(self, key: Hashable, at: float) -> None:
        """Move an armed timer later to ``at`` (an unarmed or later one stays as it is)."""
        armed = self._armed.get(key)
        if armed is not None and armed[0] < at:
            self.set(key, at, armed[1])

    def cancel(self, key: Hashable) -> None:
        previous = self._armed.pop(key, None)
        if previous is not None and previous[0] == self._earliest:
            self._stale = True

    def keep_only(self, keys: Collection[Hashable]) -> None:
        """Cancel every timer whose key is not in ``keys``."""
        self._armed = {key: armed for key, armed in self._armed.items() if key in keys}
        self._stale = True

    def is_set(self, key: Hashable) -> bool:
        return key in self._armed

    def next_deadline(self) -> float | None:
        if self._stale:
            earliest = None  # a loop, not min(): a station has two or three timers, asked often
            for at, _ in self._armed.values():
                if earliest is None or at < earliest:
                    earliest = at
            self._earliest = earliest
            self._stale = False
        return self._earliest

    def pop_due(self, now: float) -> list[tuple[float, TimerCallback]]:
        """Remove and return the timers due at ``now``, earliest first."""
        earliest = self.next_deadline()
        if earliest is None or earliest > now:
            return []
        due = [(at, key) for key, (at, _) in self._armed.items() if at <= now]
        if len(due) > 1:
            # same deadline: a stable order by key, so a run is reproducible from its seed
            due.sort(key=lambda item: (item[0], repr(item[1])))
        self._stale = True
        return [self._armed.pop(key) for _, key in due]


def next_period(deadline: float, interval: float, now: float) -> float:
    """The next tick of a periodic timer that fired at ``deadline``, skipping ticks missed by a late
    shell: one late message is honest (its intended time is kept), a burst of catch-up ones is not."""
    at = deadline + interval
    if at <= now:
        at += ((now - at) // interval + 1) * interval
    return at
