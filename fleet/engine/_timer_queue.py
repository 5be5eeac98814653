"""Every station's next wake-up in one queue, for the reactor.

A binary heap of (due, sequence, station) tuples costs a dozen tuple comparisons per push and pop
and grows with the fleet; every message pushes and pops about twice (its timeout armed, then
moved by the answer). Here wake-ups are kept in millisecond buckets: a station is appended to
its bucket's list, and a small heap holds only the bucket numbers in use. Exactness is kept: a
station fires only once ``now`` has reached its own due time, and the reactor sleeps until the
earliest due time in the first bucket, not until the bucket's edge.

A station that moves its wake-up leaves its old entry behind; an entry counts only while the
station's ``timer_due`` still falls in that bucket, and stale ones are dropped as they are met.
"""

from __future__ import annotations

import heapq
import math
from typing import Generic, Protocol, TypeVar

_PER_SECOND = 1000.0  # bucket width: 1 ms


class Scheduled(Protocol):
    timer_due: float  # when it wants to wake up (inf: never); set by TimerQueue.schedule only


ItemT = TypeVar("ItemT", bound=Scheduled)


def _bucket(due: float) -> int:
    return int(due * _PER_SECOND)


class TimerQueue(Generic[ItemT]):
    __slots__ = ("_buckets", "_numbers")

    def __init__(self) -> None:
        self._buckets: dict[int, list[ItemT]] = {}
        self._numbers: list[int] = []  # heap of the bucket numbers in _buckets

    def schedule(self, item: ItemT, due: float) -> None:
        """``item`` wakes at ``due`` (inf: not at all) instead of when it was to."""
        if due == item.timer_due:
            return
        item.timer_due = due
        if due == math.inf:
            return
        number = _bucket(due)
        bucket = self._buckets.get(number)
        if bucket is None:
            self._buckets[number] = [item]
            heapq.heappush(self._numbers, number)
        else:
            bucket.append(item)

    def next_due(self) -> float:
        """The earliest wake-up (inf when none); drops buckets that hold only stale entries."""
        numbers, buckets = self._numbers, self._buckets
        while numbers:
            number = numbers[0]
            earliest = math.inf
            for item in buckets[number]:
                due = item.timer_due
                if due < earliest and due != math.inf and _bucket(due) == number:
                    earliest = due
            if earliest != math.inf:
                return earliest
            heapq.heappop(numbers)
            del buckets[number]
        return math.inf

    def pop_due(self, now: float) -> list[ItemT]:
        """The items due by ``now``, each once, earliest bucket first; their wake-up is cleared
        (inf) until they are scheduled again."""
        numbers, buckets = self._numbers, self._buckets
        due_items: list[ItemT] = []
        last = _bucket(now)
        while numbers and numbers[0] <= last:
            number = heapq.heappop(numbers)
            waiting: list[ItemT] = []
            for item in buckets.pop(number):
                due = item.timer_due
                if due == math.inf or _bucket(due) != number:
                    continue  # stale: moved to another bucket, or already taken
                if due > now:
                    waiting.append(item)  # in the current millisecond, but not yet due
                    continue
                item.timer_due = math.inf
                due_items.append(item)
            if waiting:
                self._restore(number, waiting)
                break  # the current millisecond: nothing later can be due yet
        return due_items

    def _restore(self, number: int, items: list[ItemT]) -> None:
        bucket = self._buckets.get(number)
        if bucket is None:
            self._buckets[number] = items
            heapq.heappush(self._numbers, number)
        else:
            bucket.extend(items)

    def __len__(self) -> int:
        """Entries held, stale ones included (a measure of the queue's own size)."""
        return sum(len(bucket) for bucket in self._buckets.values())
