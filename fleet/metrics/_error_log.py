"""A run's errors, grouped so that a fleet's worth of them can be told apart.

An error is keyed by its kind and a message that names no station (the producer passes the
station id on its own): a CSMS outage that fails 1,000 stations is one entry with count 1,000,
not 1,000 entries. Per entry: the count, when it first and last happened (seconds since the run
started) and a few example stations. A kind is never folded into another: past
``MESSAGES_PER_KIND`` distinct messages of one kind (a memory bound), the rest of that kind are
counted together under it, with how many distinct messages they were.
"""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

EXAMPLE_STATIONS = 3  # station ids kept per entry, the first seen
MESSAGES_PER_KIND = 100  # distinct messages kept per kind; the rest are counted together, per kind
DISTINCT_OVERFLOW_LIMIT = 1000  # distinct messages past the cap counted exactly; beyond, "over"


class ErrorData(msgspec.Struct, forbid_unknown_fields=True):
    """One entry as plain data (a worker's recorder shipped to its parent). ``hashes``: the
    overflow entry's distinct messages (CRC-32s, the same in every process)."""

    kind: str
    message: str | None  # None: the kind's overflow entry
    count: int
    first_s: float | None
    last_s: float | None
    stations: list[str]
    hashes: list[int] = []


class _Entry:
    __slots__ = ("count", "first_s", "last_s", "stations")

    def __init__(self) -> None:
        self.count = 0
        self.first_s: float | None = None
        self.last_s: float | None = None
        self.stations: list[str] = []

    def add(self, n: int, station_id: str | None, first_s: float | None, last_s: float | None) -> None:
        self.count += n
        if first_s is not None and (self.first_s is None or first_s < self.first_s):
            self.first_s = first_s
        if last_s is not None and (self.last_s is None or last_s > self.last_s):
            self.last_s = last_s
        stations = self.stations
        if station_id and len(stations) < EXAMPLE_STATIONS and station_id not in stations:
            stations.append(station_id)

    def merge(self, other: _Entry) -> None:
        self.add(other.count, None, other.first_s, other.last_s)
        for station_id in other.stations:
            self.add(0, station_id, None, None)

    def row(self, kind: str, message: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "message": message,
            "count": self.count,
            "first_s": _rounded(self.first_s),
            "last_s": _rounded(self.last_s),
            "stations": list(self.stations),
        }


class _KindLog:
    """The errors of one kind: up to ``MESSAGES_PER_KIND`` messages, then one overflow entry."""

    __slots__ = ("messages", "overflow", "overflow_hashes")

    def __init__(self) -> None:
        self.messages: dict[str, _Entry] = {}
        self.overflow: _Entry | None = None
        self.overflow_hashes: set[int] = set()

    def entry(self, message: str) -> _Entry:
        entry = self.messages.get(message)
        if entry is not None:
            return entry
        if len(self.messages) < MESSAGES_PER_KIND:
            entry = self.messages[message] = _Entry()
            return entry
        if len(self.overflow_hashes) < DISTINCT_OVERFLOW_LIMIT:
            self.overflow_hashes.add(zlib.crc32(message.encode("utf-8", "replace")))
        return self.overflow_entry()

    def overflow_entry(self) -> _Entry:
        if self.overflow is None:
            self.overflow = _Entry()
        return self.overflow

    def overflow_row(self, kind: str) -> dict[str, Any] | None:
        if self.overflow is None:
            return None
        more = len(self.overflow_hashes)
        words = f"over {more}" if more >= DISTINCT_OVERFLOW_LIMIT else str(more)
        row = self.overflow.row(kind, f"(and {words} more distinct messages)")
        row["more_messages"] = more
        return row


class ErrorLog:
    """Errors by (kind, station-free message): count, first and last time, example stations."""

    __slots__ = ("_kinds",)

    def __init__(self) -> None:
        self._kinds: dict[str, _KindLog] = {}

    def add(
        self,
        kind: str,
        message: str,
        *,
        station_id: str | None = None,
        at_s: float | None = None,  # seconds since the run started (None: not known)
    ) -> None:
        log = self._kinds.get(kind)
        if log is None:
            log = self._kinds[kind] = _KindLog()
        log.entry(message).add(1, station_id, at_s, at_s)

    def merge(self, other: ErrorLog) -> None:
        """Add ``other``'s errors. Exact for every count and time; which messages a kind past its
        cap keeps by name depends on merge order (the rest stay counted under the kind)."""
        for kind, theirs in other._kinds.items():
            mine = self._kinds.setdefault(kind, _KindLog())
            for message, entry in theirs.messages.items():
                mine.entry(message).merge(entry)
            if theirs.overflow is not None:
                mine.overflow_entry().merge(theirs.overflow)
                _add_hashes(mine.overflow_hashes, theirs.overflow_hashes)

    def rows(self) -> list[dict[str, Any]]:
        """The summary's ``errors``: one row per entry, the biggest count first (ties by kind,
        then message). An overflow row has ``more_messages``: how many distinct messages it holds."""
        rows: list[dict[str, Any]] = []
        for kind, log in self._kinds.items():
            rows.extend(entry.row(kind, message) for message, entry in log.messages.items())
            overflow = log.overflow_row(kind)
            if overflow is not None:
                rows.append(overflow)
        return sorted(rows, key=lambda row: (-row["count"], row["kind"], row["message"]))

    def to_data(self) -> list[ErrorData]:
        data: list[ErrorData] = []
        for kind, log in self._kinds.items():
            data.extend(_data(kind, message, entry) for message, entry in log.messages.items())
            if log.overflow is not None:
                overflow = _data(kind, None, log.overflow)
                overflow.hashes = sorted(log.overflow_hashes)
                data.append(overflow)
        return data

    @classmethod
    def from_data(cls, data: list[ErrorData]) -> ErrorLog:
        restored = cls()
        for item in data:
            log = restored._kinds.setdefault(item.kind, _KindLog())
            if item.message is None:
                entry = log.overflow_entry()
                _add_hashes(log.overflow_hashes, set(item.hashes))
            else:
                entry = log.entry(item.message)
            entry.add(item.count, None, item.first_s, item.last_s)
            for station_id in item.stations:
                entry.add(0, station_id, None, None)
        return restored


def _data(kind: str, message: str | None, entry: _Entry) -> ErrorData:
    return ErrorData(kind, message, entry.count, entry.first_s, entry.last_s, list(entry.stations))


def _add_hashes(into: set[int], other: set[int]) -> None:
    for value in other:
        if len(into) >= DISTINCT_OVERFLOW_LIMIT:
            return
        into.add(value)


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)
