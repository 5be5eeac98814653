"""TimeSeries: bucketing by the injected clock, bounded memory, exact merge and round trip."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fleet.metrics import LatencyHistogram, TimeSeries
from fleet.metrics._report_charts import power_kw, timeline_charts, without_final_sliver


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _feed(series: TimeSeries, clock: FakeClock, seed: int, seconds: int) -> list[tuple[float, str, float]]:
    """Calls at seeded times and latencies; returns what was fed (offset, action, latency)."""
    rng = random.Random(seed)
    fed = []
    start = clock.now
    for _ in range(seconds * 20):
        clock.now = start + rng.uniform(0, seconds)
        fed.append((clock.now - start, rng.choice(("Heartbeat", "TransactionEvent")), rng.expovariate(50)))
    fed.sort()
    for offset, action, latency in fed:
        clock.now = start + offset
        series.call_succeeded(action, latency)
    return fed


def _exact_part(histogram: dict[str, Any] | None) -> dict[str, Any] | None:
    """Buckets, min and max add up exactly; the float sum only up to rounding (addition order)."""
    if histogram is None:
        return None
    return {key: value for key, value in histogram.items() if key != "sum"}


def test_reports_land_in_the_interval_they_arrive_in() -> None:
    clock = FakeClock()
    series = TimeSeries(clock, interval_s=1.0)
    series.station_connected()
    series.call_succeeded("Heartbeat", 0.010)
    clock.now += 2.5  # into the third interval, the second stays empty
    series.call_failed("Heartbeat", "Timeout", 0.030)
    series.transaction_started()
    series.timer_fired(0.002)

    data = series.to_dict()
    assert data["t"] == [0.0, 1.0, 2.0]
    assert data["messages"] == [1, 0, 1]
    assert data["call_errors"] == [0, 0, 1]
    assert data["connected"] == [1, 1, 1]  # a gauge keeps its value through a quiet interval
    assert data["transactions_active"] == [0, 0, 1]
    heartbeat = data["latency_ms"]["Heartbeat"]
    assert heartbeat["count"] == [1, 0, 1]
    assert heartbeat["p99"][1] is None  # nothing completed: a gap in the plot, not a zero
    assert heartbeat["p99"][0] == pytest.approx(10.0, rel=1 / 128)
    assert data["lateness_ms"]["count"] == [0, 0, 1]
    # the last interval is partial: its rate counts only the 0.5 s covered
    assert data["messages_per_s"][2] == pytest.approx(1 / 0.5)


def test_memory_stays_bounded_by_coarsening_neighbours_exactly() -> None:
    clock = FakeClock()
    series = TimeSeries(clock, interval_s=1.0, max_points=16)
    fed = _feed(series, clock, seed=7, seconds=100)

    data = series.to_dict()
    assert len(data["t"]) <= 16
    assert data["interval_s"] == 8.0  # 1 -> 2 -> 4 -> 8 s: 100 s fit in 13 points
    assert sum(data["messages"]) == len(fed)
    for action in ("Heartbeat", "TransactionEvent"):
        expected = LatencyHistogram()
        expected.record_many(latency for _, name, latency in fed if name == action)
        merged = LatencyHistogram()
        for sparse in data["histograms"]["latency"][action]:
            if sparse is not None:
                merged.merge(LatencyHistogram.from_dict(sparse))
        assert _exact_part(merged.to_dict()) == _exact_part(expected.to_dict())
        assert merged.to_dict()["sum"] == pytest.approx(expected.to_dict()["sum"])
        # and each point holds exactly what arrived in its interval
        first = [latency for offset, name, latency in fed if name == action and offset < 8.0]
        assert data["latency_ms"][action]["count"][0] == len(first)


def test_merge_of_shards_equals_one_series_fed_everything() -> None:
    clock_a, clock_b, clock_all = FakeClock(), FakeClock(), FakeClock()
    shard_a = TimeSeries(clock_a, interval_s=1.0, max_points=64)
    shard_b = TimeSeries(clock_b, interval_s=1.0, max_points=64)
    everything = TimeSeries(clock_all, interval_s=1.0, max_points=64)
    fed_a = _feed(shard_a, clock_a, seed=1, seconds=30)
    fed_b = _feed(shard_b, clock_b, seed=2, seconds=90)  # longer: shard b coarsens, a does not
    for offset, action, latency in sorted(fed_a + fed_b):
        clock_all.now = 100.0 + offset
        everything.call_succeeded(action, latency)

    merged = TimeSeries.from_dict(shard_a.to_dict())
    merged.merge(TimeSeries.from_dict(shard_b.to_dict()))
    expected = everything.to_dict()
    got = merged.to_dict()
    for key in ("interval_s", "t", "messages", "latency_ms"):
        assert got[key] == expected[key], key
    for action, column in expected["histograms"]["latency"].items():
        assert [_exact_part(h) for h in got["histograms"]["latency"][action]] == [
            _exact_part(h) for h in column
        ]


def test_round_trip_through_to_dict_is_lossless() -> None:
    clock = FakeClock()
    series = TimeSeries(clock, interval_s=0.5)
    _feed(series, clock, seed=3, seconds=5)
    series.generator_sampled(0.4, 0.001, 12)
    data = series.to_dict()
    assert TimeSeries.from_dict(data).to_dict() == data


def test_bad_input_is_refused_with_what_was_wrong() -> None:
    with pytest.raises(ValueError, match="interval_s"):
        TimeSeries(FakeClock(), interval_s=0)
    clock = FakeClock()
    series = TimeSeries(clock)
    series.call_succeeded("Heartbeat", 0.01)
    data = series.to_dict()
    data["messages"] = [1, 2]
    with pytest.raises(ValueError, match="same number of points"):
        TimeSeries.from_dict(data)
    one_s, three_s = TimeSeries(FakeClock(), interval_s=1.0), TimeSeries(FakeClock(), interval_s=3.0)
    with pytest.raises(ValueError, match="same interval"):
        one_s.merge(three_s)


def test_calls_and_failures_per_action_are_counted_per_interval_and_merge_across_shards() -> None:
    """Issue 18 item 7: the report plots throughput and failures per action; the time series had
    only the fleet's totals (call_errors), so a failing action could not be told from the rest."""
    clocks = [FakeClock(), FakeClock()]
    shards = [TimeSeries(clock, interval_s=1.0) for clock in clocks]
    for shard, clock in zip(shards, clocks, strict=True):
        for tick in range(8):
            clock.now = 100.0 + tick / 4  # two seconds, four calls each
            shard.call_succeeded("Heartbeat", 0.002)
            if tick % 2:
                shard.call_failed("TransactionEvent", "InternalError", 0.050)
    merged = TimeSeries.from_dict(shards[0].to_dict())
    merged.merge(TimeSeries.from_dict(shards[1].to_dict()))

    data = merged.to_dict()

    assert data["call_errors_by_action"] == {"Heartbeat": [0, 0], "TransactionEvent": [4, 4]}
    rates = data["actions_per_s"]  # the last interval is 0.75 s long so far (up to t = 1.75 s)
    assert rates["Heartbeat"] == {"calls": [8.0, 10.667], "failed": [0.0, 0.0]}
    assert rates["TransactionEvent"] == {"calls": [4.0, 5.333], "failed": [4.0, 5.333]}
    assert data["call_errors"] == [4, 4]  # the totals are unchanged
    assert TimeSeries.from_dict(data).to_dict()["call_errors_by_action"] == data["call_errors_by_action"]


def test_per_action_failures_stay_exact_when_the_series_coarsens() -> None:
    clock = FakeClock()
    series = TimeSeries(clock, interval_s=1.0, max_points=4)
    for second in range(16):
        clock.now = 100.0 + second
        series.call_failed("Authorize", "Timeout", 30.0)
    data = series.to_dict()
    assert data["interval_s"] == 4.0
    assert data["call_errors_by_action"] == {"Authorize": [4, 4, 4, 4]}


def test_results_written_before_per_action_failures_still_load() -> None:
    clock = FakeClock()
    series = TimeSeries(clock)
    series.call_failed("Authorize", "Timeout", 1.0)
    older = series.to_dict()
    del older["call_errors_by_action"]
    data = TimeSeries.from_dict(older).to_dict()
    assert data["call_errors_by_action"] == {"Authorize": [0]}  # not known per action
    assert data["call_errors"] == [1]  # the total still is


def test_metered_energy_is_counted_per_interval_merges_and_coarsens_exactly() -> None:
    """Issue 18 item 1: energy as the stations meter it; the timeline had no energy at all."""
    clocks = [FakeClock(), FakeClock()]
    shards = [TimeSeries(clock, interval_s=1.0, max_points=4) for clock in clocks]
    for shard, clock in zip(shards, clocks, strict=True):
        for second in range(8):
            clock.now = 100.0 + second
            shard.energy_metered(2.5)
            shard.energy_metered(0.5)
    merged = TimeSeries.from_dict(shards[0].to_dict())
    merged.merge(TimeSeries.from_dict(shards[1].to_dict()))
    data = merged.to_dict()
    assert data["interval_s"] == 2.0 and data["energy_wh"] == [12.0, 12.0, 12.0, 12.0]
    older = dict(data)
    del older["energy_wh"]  # results written before the energy column still load
    assert TimeSeries.from_dict(older).to_dict()["energy_wh"] == [0.0, 0.0, 0.0, 0.0]


def test_the_report_plots_metered_power_on_the_simulated_clock() -> None:
    series = {"interval_s": 1.0, "t": [0.0, 1.0], "t_end": 1.5, "energy_wh": [110.0, 0.0]}
    # 110 Wh in one real second at speed 60 = in one simulated minute: 6.6 kW
    assert power_kw(series, speed=60.0) == [6.6, 0.0]
    assert power_kw({**series, "energy_wh": [0.0, 0.0]}, speed=60.0) is None
    ids = [chart["id"] for chart in timeline_charts(series, speed=60.0)]
    assert "power" in ids


def test_the_report_leaves_out_a_final_sliver_of_an_interval() -> None:
    """One message in the run's last 8 ms was plotted as 128 messages per second."""
    series = {
        "interval_s": 1.0, "t": [0.0, 1.0, 2.0], "t_end": 2.008, "messages_per_s": [16.0, 18.0, 128.3],
        "latency_ms": {"Heartbeat": {"p99": [1.0, 2.0, 3.0]}}, "faults": [{}, {}, {}],
    }  # fmt: skip
    trimmed = without_final_sliver(series)
    assert trimmed["t"] == [0.0, 1.0] and trimmed["messages_per_s"] == [16.0, 18.0]
    assert trimmed["latency_ms"] == {"Heartbeat": {"p99": [1.0, 2.0]}} and trimmed["t_end"] == 2.0
    assert trimmed["faults"] == [{}, {}, {}]  # not a column
    assert without_final_sliver({**series, "t_end": 2.6}) == {**series, "t_end": 2.6}  # half or more: kept
