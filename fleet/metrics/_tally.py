"""Counts per distinct key with a cap, so a flood of distinct error texts cannot eat memory."""

from __future__ import annotations

OVERFLOW_KIND = "other"


class BoundedTally:
    """Counts per ``(kind, message)`` pair; past ``limit`` distinct pairs, new ones are counted
    under one ``(OVERFLOW_KIND, ...)`` entry that says why."""

    __slots__ = ("_counts", "_limit", "_overflow_key")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a tally needs room for at least one entry, got limit={limit}")
        self._counts: dict[tuple[str, str], int] = {}
        self._limit = limit
        self._overflow_key = (OVERFLOW_KIND, f"more than {limit} distinct entries; the rest are counted here")

    def add(self, kind: str, message: str, n: int = 1) -> None:
        key = (kind, message)
        counts = self._counts
        if key in counts:
            counts[key] += n
        elif key != self._overflow_key and len(counts) - (self._overflow_key in counts) < self._limit:
            counts[key] = n
        else:
            # the overflow entry never takes one of the limit's places, whatever order a
            # restored or merged tally arrives in
            counts[self._overflow_key] = counts.get(self._overflow_key, 0) + n

    def merge(self, other: BoundedTally) -> None:
        for (kind, message), n in other._counts.items():
            self.add(kind, message, n)

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def most_common(self) -> list[tuple[str, str, int]]:
        """``(kind, message, count)``, the biggest count first, ties by kind then message."""
        return sorted(
            ((kind, message, n) for (kind, message), n in self._counts.items()),
            key=lambda item: (-item[2], item[0], item[1]),
        )
