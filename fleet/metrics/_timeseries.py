"""The run over time: what the report plots, bucketed per interval, in bounded memory.

``TimeSeries`` listens like a recorder (the engine's fan-out feeds it) and files each report into
the bucket of the moment it arrives: per-action latency histograms and failed calls, messages
and errors counted, stations connected and transactions active (their value at the end of the
bucket), the generator's timer lateness and busy fraction. It reads the time from the ``clock`` it is given
(the shell's clock), never a global one.

Memory is bounded: past ``max_points`` buckets, the interval doubles and neighbouring buckets are
merged, so a 1 s series of a short run becomes 2 s, 4 s, ... for a long one. Closed buckets keep
their histograms in the sparse ``LatencyHistogram.to_dict`` form. Merging is exact for every
count and histogram, so shards that share ``start`` and ``interval_s`` can be added up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import msgspec

from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._outages import OutageTracker
from fleet.metrics._plain_data import from_plain, to_plain

DEFAULT_MAX_POINTS = 2000

_Sparse = dict[str, Any]  # a histogram in LatencyHistogram.to_dict form


class _Point:
    """One interval. Counts add up; gauges are the value at the end of the interval."""

    __slots__ = (
        "busy_max",
        "call_errors",
        "call_errors_by_action",
        "calls_waiting_max",
        "connected",
        "energy_wh",
        "errors",
        "latency",
        "lateness",
        "messages",
        "transactions_active",
    )

    def __init__(self, connected: int = 0, transactions_active: int = 0) -> None:
        self.messages = 0
        self.call_errors = 0
        self.call_errors_by_action: dict[str, int] = {}
        self.errors = 0
        self.energy_wh = 0.0  # metered by the stations during the interval
        self.connected = connected
        self.transactions_active = transactions_active
        self.busy_max = 0.0
        self.calls_waiting_max = 0
        self.latency: dict[str, _Sparse] = {}
        self.lateness: _Sparse | None = None

    def absorb(self, later: _Point) -> None:
        """Fold the following interval into this one."""
        self.add_counts(later)
        self.connected = later.connected
        self.transactions_active = later.transactions_active

    def add_counts(self, other: _Point) -> None:
        self.messages += other.messages
        self.call_errors += other.call_errors
        for action, failed in other.call_errors_by_action.items():
            self.call_errors_by_action[action] = self.call_errors_by_action.get(action, 0) + failed
        self.errors += other.errors
        self.energy_wh += other.energy_wh
        self.busy_max = max(self.busy_max, other.busy_max)
        self.calls_waiting_max = max(self.calls_waiting_max, other.calls_waiting_max)
        for action, histogram in other.latency.items():
            self.latency[action] = _merge_sparse(self.latency.get(action), histogram)
        if other.lateness is not None:
            self.lateness = _merge_sparse(self.lateness, other.lateness)


def _merge_sparse(first: _Sparse | None, second: _Sparse) -> _Sparse:
    if first is None:
        return second
    merged = LatencyHistogram.from_dict(first)
    merged.merge(LatencyHistogram.from_dict(second))
    return merged.to_dict()


class _Histograms(msgspec.Struct, forbid_unknown_fields=True):
    latency: dict[str, list[dict[str, Any] | None]]
    lateness: list[dict[str, Any] | None]


class _SeriesData(msgspec.Struct):
    """The exact part of ``to_dict``; the derived columns (rates, percentiles) are recomputed."""

    interval_s: float
    t_end: float
    max_points: int
    messages: list[int]
    call_errors: list[int]
    errors: list[int]
    connected: list[int]
    transactions_active: list[int]
    busy_fraction_max: list[float]
    calls_waiting_max: list[int]
    histograms: _Histograms
    faults: list[dict[str, Any]] | None = None  # faults injected on purpose (add_fault)
    outages: dict[str, Any] | None = None  # OutageTracker.to_dict (absent in older data)
    call_errors_by_action: dict[str, list[int]] | None = None  # absent in older data
    energy_wh: list[float] | None = None  # absent in older data


class TimeSeries:
    """Per-interval measurements of one run (see the module docstring)."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        start: float | None = None,
        interval_s: float = 1.0,
        max_points: int = DEFAULT_MAX_POINTS,
    ) -> None:
        if not (interval_s > 0 and math.isfinite(interval_s)):
            raise ValueError(
                f"TimeSeries interval_s must be a finite number of seconds > 0, got {interval_s!r}"
            )
        if max_points < 2:
            raise ValueError(f"TimeSeries max_points must be at least 2, got {max_points!r}")
        self._clock = clock
        self._start = clock() if start is None else start
        self._interval = interval_s
        self._max_points = max_points
        self._points: list[_Point] = [_Point()]
        self._index = 0
        self._t_end = 0.0
        self._connected = 0
        self._tx_active = 0
        # the open interval's histograms stay live (O(1) record) until it closes
        self._live: dict[str, LatencyHistogram] = {}
        self._live_lateness: LatencyHistogram | None = None
        self._faults: list[dict[str, Any]] = []  # faults injected on purpose, in the order added
        self.outages = OutageTracker()  # connection-loss windows (fleet.metrics._outages)

    @property
    def start(self) -> float:
        """The clock reading at t = 0."""
        return self._start

    def _now(self) -> float:
        return self._clock() - self._start

    @property
    def interval_s(self) -> float:
        return self._interval

    def __len__(self) -> int:
        return len(self._points)

    # -- where a report goes ------------------------------------------------------------------

    def _point(self) -> _Point:
        offset = self._clock() - self._start
        if offset > self._t_end:
            self._t_end = offset
        index = int(offset // self._interval)
        if index <= self._index:
            return self._points[self._index]  # a clock that stepped back stays in the open bucket
        self._close_live()
        while index >= self._max_points:
            self._coarsen()
            index = int(offset // self._interval)
        while len(self._points) <= index:
            self._points.append(_Point(self._connected, self._tx_active))
        self._index = index
        return self._points[index]

    def _close_live(self) -> None:
        point = self._points[self._index]
        for action, histogram in self._live.items():
            point.latency[action] = _merge_sparse(point.latency.get(action), histogram.to_dict())
        self._live = {}
        if self._live_lateness is not None:
            point.lateness = _merge_sparse(point.lateness, self._live_lateness.to_dict())
            self._live_lateness = None

    def _coarsen(self) -> None:
        self._points = _pairwise(self._points)
        self._interval *= 2
        self._index //= 2

    # -- the recorder protocol ----------------------------------------------------------------

    def _latency(self, action: str, latency_s: float) -> _Point:
        point = self._point()
        histogram = self._live.get(action)
        if histogram is None:
            histogram = self._live[action] = LatencyHistogram()
        histogram.record(latency_s)
        point.messages += 1
        return point

    def call_succeeded(self, action: str, latency_s: float) -> None:
        self._latency(action, latency_s)

    def call_failed(self, action: str, error_code: str, latency_s: float) -> None:
        point = self._latency(action, latency_s)
        point.call_errors += 1
        point.call_errors_by_action[action] = point.call_errors_by_action.get(action, 0) + 1

    def request_answered(self, action: str, error_code: str | None) -> None:
        self._point().messages += 1  # the answer is a frame the station sent

    def error(
        self, kind: str, message: str, *, station_id: str | None = None, at_s: float | None = None
    ) -> None:
        self._point().errors += 1

    def station_connected(self) -> None:
        point = self._point()
        self._connected += 1
        point.connected = self._connected
        self.outages.connected(self._now())

    def station_disconnected(self) -> None:
        point = self._point()
        self._connected -= 1
        point.connected = self._connected
        self.outages.disconnected(self._now())

    def station_left(self) -> None:
        """A planned leave (a --stages ramp-down): the count goes down; no outage window."""
        point = self._point()
        self._connected -= 1
        point.connected = self._connected
        self.outages.left()

    def station_booted(self) -> None:
        pass

    def reconnect(self) -> None:
        pass

    def transaction_started(self) -> None:
        point = self._point()
        self._tx_active += 1
        point.transactions_active = self._tx_active

    def transaction_ended(self, energy_wh: float) -> None:
        point = self._point()
        self._tx_active = max(0, self._tx_active - 1)
        point.transactions_active = self._tx_active

    def energy_metered(self, wh: float) -> None:
        self._point().energy_wh += wh

    def message_dropped(self, action: str, reason: str) -> None:
        self.outages.message_dropped()

    def timer_fired(self, lateness_s: float) -> None:
        self._point()
        if self._live_lateness is None:
            self._live_lateness = LatencyHistogram()
        self._live_lateness.record(max(0.0, lateness_s))

    def timers_fired(self, lateness: LatencyHistogram) -> None:
        """Many station timers' lateness at once, into the open interval."""
        self._point()
        if self._live_lateness is None:
            self._live_lateness = LatencyHistogram()
        self._live_lateness.merge(lateness)

    def generator_sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None:
        point = self._point()
        point.busy_max = max(point.busy_max, busy_fraction)
        point.calls_waiting_max = max(point.calls_waiting_max, calls_waiting)
        self.outages.queue_sampled(self._now(), calls_waiting)

    def add_fault(self, kind: str, start: float, end: float | None, detail: str = "") -> None:
        """A fault injected on purpose (fleet.chaos, the embedded CSMS's faults), on the clock's
        time (``end`` None: until the end of the run): the timeline shows it next to its effect."""
        at = round(start - self._start, 3)
        until = None if end is None else round(end - self._start, 3)
        self._faults.append({"kind": kind, "start_s": at, "end_s": until, "detail": detail})

    # -- merging and reading --------------------------------------------------------------------

    def merge(self, other: TimeSeries) -> None:
        """Add another series of the same run (same ``start``): counts and histograms add up
        exactly, gauges (connected, transactions active) add up point by point."""
        self._close_live()
        self.outages.merge(other.outages)
        self._faults.extend(other._faults)
        theirs = _Detached.of(other)
        ratio = max(self._interval, theirs.interval) / min(self._interval, theirs.interval)
        if not math.isclose(ratio, 2 ** round(math.log2(ratio))):
            raise ValueError(
                f"cannot merge time series with intervals {self._interval} s and {theirs.interval} s: "
                "both must start from the same interval (and the same start time)"
            )
        while self._interval < theirs.interval * (1 - 1e-9):
            self._coarsen()
        while theirs.interval < self._interval * (1 - 1e-9):
            theirs.coarsen()
        mine, other_points = self._points, theirs.points
        for position in range(max(len(mine), len(other_points))):
            if position >= len(mine):
                mine.append(_Point(mine[-1].connected, mine[-1].transactions_active))
            mine_point = mine[position]
            their_point = other_points[min(position, len(other_points) - 1)]
            if position < len(other_points):
                mine_point.add_counts(their_point)
            # past the end of a series its gauges keep their last value
            mine_point.connected += their_point.connected
            mine_point.transactions_active += their_point.transactions_active
        self._connected += theirs.connected
        self._tx_active += theirs.tx_active
        self._t_end = max(self._t_end, theirs.t_end)
        while len(self._points) > self._max_points:
            self._coarsen()
        self._index = len(self._points) - 1

    def to_dict(self) -> dict[str, Any]:
        """Columns for plots and JSON (``t`` = interval start, seconds from the run's start;
        rates per second; percentiles in ms, null where nothing completed), plus the exact
        histograms under ``histograms`` that ``from_dict`` and ``merge`` use."""
        self._close_live()
        points = self._points
        interval = self._interval
        starts = [round(i * interval, 6) for i in range(len(points))]
        covered = [
            max(min(interval, self._t_end - t), 1e-9) if i == len(points) - 1 else interval
            for i, t in enumerate(starts)
        ]
        actions = sorted({name for point in points for name in point.latency})
        data = _SeriesData(
            interval_s=interval,
            t_end=self._t_end,
            max_points=self._max_points,
            messages=[p.messages for p in points],
            call_errors=[p.call_errors for p in points],
            errors=[p.errors for p in points],
            connected=[p.connected for p in points],
            transactions_active=[p.transactions_active for p in points],
            busy_fraction_max=[p.busy_max for p in points],
            calls_waiting_max=[p.calls_waiting_max for p in points],
            histograms=_Histograms(
                latency={name: [p.latency.get(name) for p in points] for name in actions},
                lateness=[p.lateness for p in points],
            ),
            faults=sorted(self._faults, key=lambda fault: fault["start_s"]),
            outages=self.outages.to_dict(),
            call_errors_by_action={
                name: [p.call_errors_by_action.get(name, 0) for p in points] for name in actions
            },
            energy_wh=[round(p.energy_wh, 3) for p in points],
        )
        result = to_plain(data)
        result["t"] = starts
        result["messages_per_s"] = [round(p.messages / c, 3) for p, c in zip(points, covered, strict=True)]
        result["call_errors_per_s"] = [
            round(p.call_errors / c, 3) for p, c in zip(points, covered, strict=True)
        ]
        result["latency_ms"] = {
            name: _percentile_columns([p.latency.get(name) for p in points], (50.0, 90.0, 99.0))
            for name in actions
        }
        result["lateness_ms"] = _percentile_columns([p.lateness for p in points], (50.0, 99.0))
        result["actions_per_s"] = _per_action_rates(result, covered)
        return result

    @classmethod
    def from_dict(cls, data: Any, clock: Callable[[], float] | None = None) -> TimeSeries:
        """Rebuild a series from ``to_dict`` output (to merge it); ValueError says what is wrong."""
        parsed = from_plain(data, _SeriesData, "time series")
        columns: tuple[list[Any], ...] = (
            parsed.messages,
            parsed.call_errors,
            parsed.errors,
            parsed.connected,
            parsed.transactions_active,
            parsed.busy_fraction_max,
            parsed.calls_waiting_max,
            parsed.histograms.lateness,
            *parsed.histograms.latency.values(),
            *(parsed.call_errors_by_action or {}).values(),
            *([parsed.energy_wh] if parsed.energy_wh is not None else []),
        )
        length = len(parsed.messages)
        if length == 0 or any(len(column) != length for column in columns):
            raise ValueError(
                f"time series data is malformed: every column needs the same number of points "
                f"(messages has {length}, and at least one)"
            )
        series = cls(
            clock or _no_clock, start=0.0, interval_s=parsed.interval_s, max_points=parsed.max_points
        )
        series._points = []
        for i in range(length):
            point = _Point(parsed.connected[i], parsed.transactions_active[i])
            point.messages, point.call_errors, point.errors = (
                parsed.messages[i],
                parsed.call_errors[i],
                parsed.errors[i],
            )
            point.busy_max, point.calls_waiting_max = parsed.busy_fraction_max[i], parsed.calls_waiting_max[i]
            point.lateness = parsed.histograms.lateness[i]
            for name, column in parsed.histograms.latency.items():
                sparse = column[i]
                if sparse is not None:
                    point.latency[name] = sparse
            for name, failed in (parsed.call_errors_by_action or {}).items():
                if failed[i]:
                    point.call_errors_by_action[name] = failed[i]
            if parsed.energy_wh is not None:
                point.energy_wh = parsed.energy_wh[i]
            series._points.append(point)
        series._index = length - 1
        series._t_end = parsed.t_end
        series._connected = parsed.connected[-1]
        series._tx_active = parsed.transactions_active[-1]
        series._faults = list(parsed.faults or [])
        if parsed.outages is not None:
            series.outages = OutageTracker.from_dict(parsed.outages)
        return series


class _Detached:
    """Another series' closed points, coarsened on a copy so the original stays unchanged."""

    def __init__(
        self, interval: float, points: list[_Point], connected: int, tx_active: int, t_end: float
    ) -> None:
        self.interval = interval
        self.points = points
        self.connected = connected
        self.tx_active = tx_active
        self.t_end = t_end

    @classmethod
    def of(cls, series: TimeSeries) -> _Detached:
        copy = TimeSeries.from_dict(series.to_dict())
        return cls(copy._interval, copy._points, series._connected, series._tx_active, series._t_end)

    def coarsen(self) -> None:
        self.points = _pairwise(self.points)
        self.interval *= 2


def _no_clock() -> float:
    return 0.0


def _pairwise(points: list[_Point]) -> list[_Point]:
    merged = []
    for i in range(0, len(points), 2):
        point = points[i]
        if i + 1 < len(points):
            point.absorb(points[i + 1])
        merged.append(point)
    return merged


def _per_action_rates(columns: dict[str, Any], covered: list[float]) -> dict[str, dict[str, list[float]]]:
    """Per action, calls completed (ok or failed) and calls failed per second, point by point."""
    rates = {}
    for name, latency in columns["latency_ms"].items():
        failed = columns["call_errors_by_action"].get(name) or [0] * len(covered)
        rates[name] = {
            "calls": [round(n / c, 3) for n, c in zip(latency["count"], covered, strict=True)],
            "failed": [round(n / c, 3) for n, c in zip(failed, covered, strict=True)],
        }
    return rates


def _percentile_columns(histograms: list[_Sparse | None], qs: tuple[float, ...]) -> dict[str, list[Any]]:
    names = [f"p{q:g}" for q in qs]
    columns: dict[str, list[Any]] = {name: [] for name in (*names, "max", "count")}
    for sparse in histograms:
        histogram = LatencyHistogram.from_dict(sparse) if sparse is not None else None
        if histogram is None or histogram.count == 0:
            for name in (*names, "max"):
                columns[name].append(None)
            columns["count"].append(0)
            continue
        for name, value in zip(names, histogram.percentiles(qs), strict=True):
            columns[name].append(round(value * 1000.0, 3))
        columns["max"].append(round(histogram.max * 1000.0, 3))
        columns["count"].append(histogram.count)
    return columns
