"""A mergeable, fixed-memory latency histogram (HDR-style log-linear buckets).

Values are seconds, stored as integer microseconds. Below 256 µs every microsecond has its own
bucket; above, each power-of-two range is split into 128 linear sub-buckets, so a reported
value is at most 1/128 (0.78 %) above the true one. The range is 1 µs .. 1 h; longer values
land in the top bucket (``max`` still keeps the exact value).

An empty histogram reports 0.0 for ``min``, ``max``, ``mean`` and every percentile: callers
check ``count`` when "no data" must be told apart from "zero".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import msgspec

from fleet.metrics._plain_data import from_plain, to_plain

_SUB_BITS = 7
_SUB_BUCKETS = 1 << _SUB_BITS  # 128 per power of two: <= 1/128 relative error
_LINEAR_LIMIT = _SUB_BUCKETS << 1  # below this many µs, one bucket per µs
_MAX_SECONDS = 3600.0
_MAX_US = 3_600_000_000
_LAYOUT = f"log-linear-us-{_SUB_BUCKETS}"


def _bucket_index(micros: int) -> int:
    shift = micros.bit_length() - (_SUB_BITS + 1)
    if shift < 0:
        return micros
    return (shift << _SUB_BITS) + (micros >> shift)


_BUCKET_COUNT = _bucket_index(_MAX_US) + 1


def _upper_edge_us(index: int) -> int:
    """The exclusive upper edge of a bucket: every value recorded in it is below this."""
    if index < _LINEAR_LIMIT:
        return index + 1
    shift = (index >> _SUB_BITS) - 1
    mantissa = index - (shift << _SUB_BITS)
    return (mantissa + 1) << shift


class _HistogramData(msgspec.Struct, forbid_unknown_fields=True):
    """The wire shape of a histogram: only non-empty buckets, as ``[index, count]`` pairs."""

    layout: str
    sum: float
    min: float
    max: float
    buckets: list[tuple[int, int]]


class LatencyHistogram:
    """Latencies in seconds; ``record`` is O(1), ``merge`` is exact (bucket-wise add)."""

    __slots__ = ("_count", "_counts", "_max", "_min", "_sum")

    def __init__(self) -> None:
        self._counts: list[int] = [0] * _BUCKET_COUNT
        self._count = 0
        self._sum = 0.0
        self._min = math.inf
        self._max = 0.0

    def record(self, seconds: float) -> None:
        """Add one latency. Raises ValueError for negative, NaN or infinite values."""
        if not 0.0 <= seconds <= _MAX_SECONDS:
            micros = self._out_of_range(seconds)
        else:
            micros = int(seconds * 1e6)
        # _bucket_index inlined: this is the hot path, a call costs ~50 ns
        shift = micros.bit_length() - 8
        self._counts[micros if shift < 0 else (shift << 7) + (micros >> shift)] += 1
        self._count += 1
        self._sum += seconds
        if seconds > self._max:
            self._max = seconds
        if seconds < self._min:
            self._min = seconds

    def record_many(self, values: Iterable[float]) -> None:
        for seconds in values:
            self.record(seconds)

    @staticmethod
    def _out_of_range(seconds: float) -> int:
        if seconds > _MAX_SECONDS and math.isfinite(seconds):
            return _MAX_US
        raise ValueError(f"latency must be a finite number of seconds >= 0, got {seconds!r}")

    def merge(self, other: LatencyHistogram) -> None:
        """Add every value of ``other`` into this histogram (``other`` is unchanged)."""
        counts = self._counts
        for index, n in enumerate(other._counts):
            if n:
                counts[index] += n
        self._count += other._count
        self._sum += other._sum
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)

    def clear(self) -> None:
        """Empty again (a fold handed over, the next one begins)."""
        self._counts = [0] * _BUCKET_COUNT
        self._count = 0
        self._sum = 0.0
        self._min = math.inf
        self._max = 0.0

    def buckets(self) -> Iterator[tuple[float, int]]:
        """(a value inside the bucket, in seconds, its count) for each non-empty bucket: what a
        histogram with other bucket edges (Prometheus) replays from this one."""
        for index, n in enumerate(self._counts):
            if n:
                lower = 0 if index == 0 else _upper_edge_us(index - 1)
                yield (lower + _upper_edge_us(index)) / 2e6, n

    @property
    def count(self) -> int:
        return self._count

    @property
    def min(self) -> float:
        return self._min if self._count else 0.0

    @property
    def max(self) -> float:
        return self._max

    @property
    def mean(self) -> float:
        return self._sum / self._count if self._count else 0.0

    def percentile(self, q: float) -> float:
        """The nearest-rank ``q``-th percentile (q in 0..100) in seconds.

        Reported as the upper edge of the bucket holding that rank, clamped to the recorded
        min/max: never below the true value by more than 1 µs, never above it by more than
        1/128, and ``percentile(100) == max`` exactly.
        """
        return self.percentiles([q])[0]

    def percentiles(self, qs: Sequence[float]) -> list[float]:
        """Several percentiles in one pass over the buckets, in the order given."""
        for q in qs:
            if not 0.0 <= q <= 100.0:
                raise ValueError(f"percentile must be between 0 and 100, got {q!r}")
        if not self._count:
            return [0.0] * len(qs)
        ranks = sorted((max(1, math.ceil(q * self._count / 100)), position) for position, q in enumerate(qs))
        results = [0.0] * len(qs)
        pending = iter(ranks)
        rank, position = next(pending)
        seen = 0
        for index, n in enumerate(self._counts):
            if not n:
                continue
            seen += n
            while seen >= rank:
                if rank == self._count:
                    # the top rank is the max itself, even for a value clamped into the top bucket
                    results[position] = self._max
                else:
                    edge = _upper_edge_us(index) / 1e6
                    results[position] = max(self._min, min(edge, self._max))
                try:
                    rank, position = next(pending)
                except StopIteration:
                    return results
        raise AssertionError("bucket counts do not add up to count")  # pragma: no cover

    def to_dict(self) -> dict[str, Any]:
        """A compact, JSON-ready form (only non-empty buckets), for shipping between processes."""
        data = _HistogramData(
            layout=_LAYOUT,
            sum=self._sum,
            min=self.min,
            max=self._max,
            buckets=[(index, n) for index, n in enumerate(self._counts) if n],
        )
        return to_plain(data)

    @classmethod
    def from_dict(cls, data: Any) -> LatencyHistogram:
        """Rebuild a histogram from ``to_dict`` output; ValueError says which field is wrong."""
        parsed = from_plain(data, _HistogramData, "histogram")
        if parsed.layout != _LAYOUT:
            raise ValueError(
                f"histogram data has layout {parsed.layout!r}, this version reads {_LAYOUT!r}: "
                "both processes must run the same ocpp-fleet version"
            )
        histogram = cls()
        for position, (index, n) in enumerate(parsed.buckets):
            if not 0 <= index < _BUCKET_COUNT or n <= 0:
                raise ValueError(
                    f"histogram data is malformed: buckets[{position}] = [{index}, {n}] needs an index "
                    f"in 0..{_BUCKET_COUNT - 1} and a count > 0"
                )
            histogram._counts[index] += n
            histogram._count += n
        if histogram._count:
            if not 0.0 <= parsed.min <= parsed.max:
                raise ValueError(
                    f"histogram data is malformed: min {parsed.min!r} and max {parsed.max!r} "
                    "must satisfy 0 <= min <= max"
                )
            histogram._sum = parsed.sum
            histogram._min = parsed.min
            histogram._max = parsed.max
        return histogram

    def __repr__(self) -> str:
        return (
            f"LatencyHistogram(count={self._count}, min={self.min:.6f}, "
            f"p50={self.percentile(50):.6f}, max={self._max:.6f})"
        )
