"""LatencyHistogram against exact percentiles of the same data."""

from __future__ import annotations

import math
import random

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.metrics import LatencyHistogram

QUANTILES = (0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0)
RELATIVE_ERROR = 1 / 128  # the layout's promise: 128 linear sub-buckets per power of two


def exact_percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted data: the definition the histogram approximates."""
    rank = max(1, math.ceil(q * len(ordered) / 100))
    return ordered[rank - 1]


def lognormal_latencies(seed: int, n: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(math.log(0.02), 1.0) for _ in range(n)]


def filled(values: list[float]) -> LatencyHistogram:
    histogram = LatencyHistogram()
    histogram.record_many(values)
    return histogram


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_are_within_one_percent_of_exact(seed: int) -> None:
    values = lognormal_latencies(seed, 20_000)
    ordered = sorted(values)
    histogram = filled(values)

    for q in QUANTILES:
        exact = exact_percentile(ordered, q)
        reported = histogram.percentile(q)
        # reported is a bucket's upper edge: never below the truth, at most 1/128 above it
        assert exact <= reported <= exact * (1 + RELATIVE_ERROR), (q, exact, reported)
        assert reported == pytest.approx(exact, rel=0.01)


def test_percentiles_in_one_pass_equal_one_at_a_time() -> None:
    histogram = filled(lognormal_latencies(4, 5_000))
    unordered = [99.0, 50.0, 100.0, 90.0, 50.0]

    assert histogram.percentiles(unordered) == [histogram.percentile(q) for q in unordered]


def test_count_min_max_mean_are_exact() -> None:
    values = lognormal_latencies(5, 1_000)
    histogram = filled(values)

    assert histogram.count == len(values)
    assert histogram.min == min(values)
    assert histogram.max == max(values)
    assert histogram.mean == pytest.approx(math.fsum(values) / len(values), rel=1e-12)


def test_p100_is_the_recorded_max_exactly() -> None:
    values = lognormal_latencies(6, 3_000)
    histogram = filled(values)

    assert histogram.percentile(100) == max(values)


def test_a_single_value_is_reported_exactly_at_every_percentile() -> None:
    histogram = LatencyHistogram()
    histogram.record(0.0123456)

    assert {histogram.percentile(q) for q in QUANTILES} == {0.0123456}


def test_merge_equals_recording_everything_into_one() -> None:
    values = lognormal_latencies(7, 9_000)
    rng = random.Random(7)
    shards = [LatencyHistogram() for _ in range(3)]
    for value in values:
        shards[rng.randrange(3)].record(value)
    merged = LatencyHistogram()
    for shard in shards:
        merged.merge(shard)
    whole = filled(values)

    assert merged.count == whole.count
    assert (merged.min, merged.max) == (whole.min, whole.max)
    assert merged.to_dict()["buckets"] == whole.to_dict()["buckets"]
    assert merged.percentiles(QUANTILES) == whole.percentiles(QUANTILES)
    # float sums added in another order may differ in the last bits
    assert merged.mean == pytest.approx(whole.mean, rel=1e-12)


def test_merge_leaves_the_other_histogram_unchanged() -> None:
    other = filled(lognormal_latencies(8, 100))
    before = other.to_dict()
    target = filled(lognormal_latencies(9, 100))

    target.merge(other)

    assert other.to_dict() == before
    assert target.count == 200


def test_merge_with_an_empty_histogram_changes_nothing() -> None:
    histogram = filled(lognormal_latencies(10, 500))
    before = histogram.to_dict()

    histogram.merge(LatencyHistogram())

    assert histogram.to_dict() == before


def test_to_dict_round_trips_through_json() -> None:
    histogram = filled(lognormal_latencies(11, 4_000))

    shipped = msgspec.json.decode(msgspec.json.encode(histogram.to_dict()))
    restored = LatencyHistogram.from_dict(shipped)

    assert restored.to_dict() == histogram.to_dict()
    assert restored.count == histogram.count
    assert restored.percentiles(QUANTILES) == histogram.percentiles(QUANTILES)
    assert restored.mean == histogram.mean


def test_to_dict_is_compact() -> None:
    histogram = LatencyHistogram()
    for _ in range(1_000):
        histogram.record(0.05)
    histogram.record(0.5)

    counts = [count for _index, count in histogram.to_dict()["buckets"]]
    assert counts == [1_000, 1]


def test_empty_histogram_reports_zero_everywhere() -> None:
    histogram = LatencyHistogram()

    assert histogram.count == 0
    assert (histogram.min, histogram.max, histogram.mean) == (0.0, 0.0, 0.0)
    assert histogram.percentiles(QUANTILES) == [0.0] * len(QUANTILES)
    restored = LatencyHistogram.from_dict(histogram.to_dict())
    assert restored.count == 0
    assert restored.percentile(50) == 0.0


def test_values_beyond_an_hour_land_in_the_top_bucket_but_max_stays_exact() -> None:
    histogram = LatencyHistogram()
    histogram.record(0.01)
    histogram.record(7200.0)

    assert histogram.count == 2
    assert histogram.max == 7200.0
    assert histogram.percentile(100) == 7200.0
    assert histogram.percentile(50) == pytest.approx(0.01, rel=0.01)


def test_zero_latency_is_accepted() -> None:
    histogram = LatencyHistogram()
    histogram.record(0.0)

    assert histogram.count == 1
    assert histogram.percentile(50) == 0.0


@pytest.mark.parametrize("bad", [-0.001, math.nan, math.inf, -math.inf])
def test_impossible_latencies_are_refused_with_the_value(bad: float) -> None:
    histogram = LatencyHistogram()

    with pytest.raises(ValueError, match="latency must be a finite number of seconds"):
        histogram.record(bad)
    assert histogram.count == 0


@pytest.mark.parametrize("q", [-1.0, 100.5, math.nan])
def test_percentile_outside_0_to_100_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="percentile must be between 0 and 100"):
        LatencyHistogram().percentile(q)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(buckets=[[0, "x"]]), r"\$\.buckets\[0\]\[1\]"),
        (lambda d: d.update(buckets=[[10**9, 1]]), r"buckets\[0\] = \[1000000000, 1\]"),
        (lambda d: d.update(buckets=[[5, 0]]), r"count > 0"),
        (lambda d: d.update(layout="log-linear-us-64"), "layout"),
        (lambda d: d.pop("sum"), "sum"),
        (lambda d: d.update(min=2.0, max=1.0), "min"),
    ],
)
def test_from_dict_names_the_malformed_field(mutate: object, message: str) -> None:
    data = filled([0.001, 0.002]).to_dict()
    assert callable(mutate)
    mutate(data)

    with pytest.raises(ValueError, match=message):
        LatencyHistogram.from_dict(data)


latency_lists = st.lists(
    st.floats(min_value=0.0, max_value=3600.0, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(values=latency_lists, q=st.floats(min_value=0.0, max_value=100.0))
def test_any_percentile_is_within_the_error_bound(values: list[float], q: float) -> None:
    histogram = filled(values)
    exact = exact_percentile(sorted(values), q)

    reported = histogram.percentile(q)

    # below 256 µs buckets are 1 µs wide: the bound there is absolute, not relative
    assert exact - 1e-12 <= reported <= exact * (1 + RELATIVE_ERROR) + 1e-6
    assert histogram.percentile(100) == max(values)


@settings(max_examples=100, deadline=None)
@given(left=latency_lists, right=latency_lists)
def test_merge_is_bucket_exact_for_any_data(left: list[float], right: list[float]) -> None:
    merged = filled(left)
    merged.merge(filled(right))
    whole = filled(left + right)

    assert merged.to_dict()["buckets"] == whole.to_dict()["buckets"]
    assert merged.percentiles(QUANTILES) == whole.percentiles(QUANTILES)
