"""The reactor's timer queue: exact wake-ups from millisecond buckets, moved and cleared
wake-ups never fire, and a randomized schedule fires exactly what a sorted list says."""

from __future__ import annotations

import math
import random

from fleet.engine._timer_queue import TimerQueue


class _Item:
    def __init__(self, name: str) -> None:
        self.name = name
        self.timer_due = math.inf


def test_an_item_fires_at_its_own_due_time_not_at_its_bucket_edge() -> None:
    queue: TimerQueue[_Item] = TimerQueue()
    item = _Item("a")
    queue.schedule(item, 10.0004)
    assert queue.next_due() == 10.0004
    assert queue.pop_due(10.0003) == []  # same millisecond, not yet due
    assert queue.next_due() == 10.0004
    assert queue.pop_due(10.0004) == [item]
    assert item.timer_due == math.inf
    assert queue.next_due() == math.inf


def test_a_moved_wake_up_fires_once_at_its_new_time() -> None:
    queue: TimerQueue[_Item] = TimerQueue()
    item = _Item("a")
    queue.schedule(item, 5.0)
    queue.schedule(item, 7.5)  # later: the entry at 5.0 is stale
    assert queue.next_due() == 7.5
    assert queue.pop_due(6.0) == []
    queue.schedule(item, 2.0)  # earlier again
    assert queue.next_due() == 2.0
    assert queue.pop_due(100.0) == [item]  # once, though three entries were made
    assert queue.pop_due(100.0) == []


def test_a_cleared_wake_up_never_fires() -> None:
    queue: TimerQueue[_Item] = TimerQueue()
    item = _Item("a")
    queue.schedule(item, 1.0)
    queue.schedule(item, math.inf)
    assert queue.next_due() == math.inf
    assert queue.pop_due(50.0) == []


def test_random_schedules_fire_exactly_what_is_due() -> None:
    rng = random.Random(7)
    queue: TimerQueue[_Item] = TimerQueue()
    items = [_Item(f"i{n}") for n in range(300)]
    now = 0.0
    fired: list[str] = []
    expected: list[str] = []
    for _ in range(40):
        for item in rng.sample(items, 60):
            queue.schedule(item, now + rng.random() * 0.05)
        expected.extend(i.name for i in items if i.timer_due <= now + 0.01)
        assert queue.next_due() == min(i.timer_due for i in items)
        now += 0.01
        fired.extend(item.name for item in queue.pop_due(now))
        assert all(i.timer_due > now for i in items)  # nothing due is left behind
    assert sorted(fired) == sorted(expected)
