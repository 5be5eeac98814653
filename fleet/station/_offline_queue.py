"""The queue of transaction messages, kept in order while the CSMS cannot be reached.

Overflow policy (``limit`` messages): when a message would make the queue longer than the limit,
the OLDEST droppable message (a meter-value ``Updated`` event) that is not in flight is dropped
and reported. ``Started`` and ``Ended`` events are never dropped: without them the CSMS cannot
bill a session, so the limit is exceeded rather than lose one. seqNo keeps counting, so the CSMS
sees the gap the drop left.
"""

from __future__ import annotations

from collections.abc import Iterator

from fleet.station._outgoing import OutgoingCall


class OfflineQueue:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # a list: an empty deque costs ~600 bytes per station, and the queue is empty while online
        self._calls: list[OutgoingCall] = []

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[OutgoingCall]:
        return iter(self._calls)

    def head(self) -> OutgoingCall | None:
        return self._calls[0] if self._calls else None

    def pop_head(self) -> OutgoingCall:
        return self._calls.pop(0)

    def append(self, call: OutgoingCall, *, head_in_flight: bool) -> list[OutgoingCall]:
        """Queue ``call``; return the messages dropped to respect the limit (oldest first)."""
        self._calls.append(call)
        dropped: list[OutgoingCall] = []
        start = 1 if head_in_flight else 0
        while len(self._calls) > self.limit:
            victim = next(
                (i for i in range(start, len(self._calls)) if self._calls[i].droppable),
                None,
            )
            if victim is None:
                break  # only Started/Ended left: keep them all (see module docstring)
            dropped.append(self._calls[victim])
            del self._calls[victim]
        return dropped
