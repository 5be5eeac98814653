"""Outage windows: moments when many stations lost their connection at once, and the recovery.

The rule (README "Outage windows"): a window opens when at least max(3, 5 % of the stations
connected just before) connections are lost within 2 s; it stays open while more are lost, and
closes when as many connections have been made again as were lost (any station's new connection
counts as one back). Its numbers: stations lost, seconds until 95 % and all of them were back,
CALLs queued above the send queue's level before the window (sampled about once a second: the
transaction messages held offline and replayed) and whether the queue drained back to that level
with no message dropped. Times are seconds from the run's start.

With ``--workers`` each worker applies the rule to its own stations; the parent merges windows
that overlap in time (counts added, return times pooled), so 95 % is the fleet's.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import UTC, datetime
from typing import Any

import msgspec

from fleet.metrics._plain_data import from_plain, to_plain

BURST_S = 2.0  # connections lost within this many seconds count as one burst
MIN_STATIONS = 3  # a burst needs at least this many lost connections...
SHARE = 0.05  # ...and at least this share of the stations connected before it
RECOVERED_SHARE = 0.95
MAX_WINDOWS = 100  # kept per run; more are counted in ``more_windows``


class _Window(msgspec.Struct):
    start: float
    connected_before: int
    lost: int
    back: list[float] = msgspec.field(default_factory=list)  # times of the returns, at most ``lost``
    end: float | None = None  # when as many were back as were lost (None: still open)
    queue_before: int = 0  # CALLs waiting fleet-wide in the last sample before the window
    queue_peak: int = 0
    drained_at: float | None = None  # first sample back at ``queue_before`` once the window closed
    dropped: int = 0  # messages the stations gave up on while the window was open or draining


class _TrackerData(msgspec.Struct, forbid_unknown_fields=True):
    connected: int
    queue: int
    windows: list[_Window]
    more_windows: int


def burst_threshold(connected_before: int) -> int:
    """Lost connections within ``BURST_S`` that open a window."""
    return max(MIN_STATIONS, math.ceil(SHARE * connected_before))


class OutageTracker:
    """Watches connects, disconnects, send-queue samples and drops (``t``: run-relative seconds)."""

    def __init__(self) -> None:
        self._connected = 0
        self._queue = 0
        self._recent: deque[float] = deque()
        self._windows: list[_Window] = []
        self._more_windows = 0

    def _open(self) -> _Window | None:
        last = self._windows[-1] if self._windows else None
        return last if last is not None and last.end is None else None

    def _draining(self) -> _Window | None:
        last = self._windows[-1] if self._windows else None
        return last if last is not None and last.drained_at is None else None

    def connected(self, t: float) -> None:
        self._connected += 1
        window = self._open()
        if window is not None:
            window.back.append(t)
            if len(window.back) >= window.lost:
                window.end = t

    def disconnected(self, t: float) -> None:
        self._connected = max(0, self._connected - 1)
        window = self._open()
        if window is not None:
            window.lost += 1
            return
        recent = self._recent
        recent.append(t)
        while recent[0] < t - BURST_S:
            recent.popleft()
        before = self._connected + len(recent)
        if len(recent) >= burst_threshold(before):
            self._start(_Window(recent[0], before, len(recent), queue_before=self._queue))
            recent.clear()

    def left(self) -> None:
        """A station left the fleet by plan (a --stages ramp-down): one fewer connected, no loss."""
        self._connected = max(0, self._connected - 1)

    def _start(self, window: _Window) -> None:
        if len(self._windows) >= MAX_WINDOWS:
            self._more_windows += 1
            del self._windows[0]
        self._windows.append(window)

    def queue_sampled(self, t: float, calls_waiting: int) -> None:
        window = self._draining()
        if window is not None:
            window.queue_peak = max(window.queue_peak, calls_waiting)
            if window.end is not None and calls_waiting <= window.queue_before:
                window.drained_at = t
        self._queue = calls_waiting

    def message_dropped(self) -> None:
        window = self._draining()
        if window is not None:
            window.dropped += 1

    # -- merging and reading --------------------------------------------------------------------

    def merge(self, other: OutageTracker) -> None:
        """Add another process's windows (same run): overlapping windows become one."""
        self._connected += other._connected
        self._queue += other._queue
        self._more_windows += other._more_windows
        windows = sorted(
            (msgspec.structs.replace(w, back=list(w.back)) for w in (*self._windows, *other._windows)),
            key=lambda w: w.start,
        )
        merged: list[_Window] = []
        for window in windows:
            if merged and _overlaps(merged[-1], window):
                _combine(merged[-1], window)
            else:
                merged.append(window)
        self._windows = merged[-MAX_WINDOWS:]
        self._more_windows += len(merged) - len(self._windows)

    def to_dict(self) -> dict[str, Any]:
        return to_plain(_TrackerData(self._connected, self._queue, self._windows, self._more_windows))

    @classmethod
    def from_dict(cls, data: Any) -> OutageTracker:
        parsed = from_plain(data, _TrackerData, "outage")
        tracker = cls()
        tracker._connected, tracker._queue = parsed.connected, parsed.queue
        tracker._windows, tracker._more_windows = parsed.windows, parsed.more_windows
        return tracker

    def summary(self, utc_at_zero: float) -> dict[str, Any]:
        """The windows as JSON-ready data; ``utc_at_zero``: the UTC epoch second of t = 0."""
        return {
            "rule": f"≥ max({MIN_STATIONS}, {SHARE:.0%} of connected) connections lost within {BURST_S:g} s",
            "windows": [_window_summary(w, utc_at_zero) for w in self._windows],
            "more_windows": self._more_windows,
        }


def _overlaps(first: _Window, second: _Window) -> bool:
    end = first.end if first.end is not None else math.inf
    return second.start <= end + BURST_S


def _combine(into: _Window, other: _Window) -> None:
    into.connected_before += other.connected_before
    into.lost += other.lost
    into.back = sorted(into.back + other.back)
    into.end = None if into.end is None or other.end is None else max(into.end, other.end)
    into.queue_before += other.queue_before
    into.queue_peak += other.queue_peak
    into.drained_at = (
        None
        if into.drained_at is None or other.drained_at is None
        else max(into.drained_at, other.drained_at)
    )
    into.dropped += other.dropped


def _window_summary(window: _Window, utc_at_zero: float) -> dict[str, Any]:
    start = window.start
    needed = max(1, math.ceil(RECOVERED_SHARE * window.lost))
    back_95 = window.back[needed - 1] - start if len(window.back) >= needed else None
    queued = max(0, window.queue_peak - window.queue_before)
    return {
        "start_s": round(start, 3),
        "start_utc": datetime.fromtimestamp(utc_at_zero + start, UTC).isoformat(timespec="seconds"),
        "stations_connected_before": window.connected_before,
        "stations_lost": window.lost,
        "stations_back": min(len(window.back), window.lost),
        "recovered": window.end is not None,
        "back_95_percent_s": _rounded(back_95),
        "back_all_s": _rounded(window.end - start if window.end is not None else None),
        "messages_queued": queued,
        "queue_drained_s": _rounded(window.drained_at - start if window.drained_at is not None else None),
        "messages_dropped": window.dropped,
        "all_delivered": window.drained_at is not None and window.dropped == 0,
    }


def _rounded(seconds: float | None) -> float | None:
    return round(seconds, 3) if seconds is not None else None
