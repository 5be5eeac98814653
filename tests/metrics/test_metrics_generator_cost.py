"""The generator's own bill and its newer saturation reasons: CPU per message and per
station-second, RSS per station, merged across shards and kept through to_dict/from_dict; loop
lag and CALLs queued while the loop was busy or lagging (not while it idled on a slow CSMS).
Also the parts the reactor folds timer lateness with: LatencyHistogram.clear/buckets,
RunRecorder.timers_fired, and Timers.postpone."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fleet.metrics import GeneratorHealth, LatencyHistogram, RunRecorder
from fleet.metrics._generator_health import (
    BUSY_LIMIT,
    CALLS_WAITING_LIMIT,
    LATENESS_P99_LIMIT_S,
    LOOP_LAG_P99_LIMIT_S,
    QUEUED_LAG_LIMIT_S,
)
from fleet.station._timers import Timers

MIB = 1024 * 1024
COST_FIELDS = ("cpu_s", "seconds", "stations", "rss_growth_bytes", "includes_csms")


def _summary(recorder: RunRecorder) -> dict[str, Any]:
    return recorder.summary(ocpp_version="2.0.1", duration_s=100.0, stations_configured=50)


# --- the cost ------------------------------------------------------------------------------------


def test_cost_summary_divides_cpu_by_messages_and_station_seconds_and_rss_by_stations() -> None:
    health = GeneratorHealth()
    health.cost(2.0, 100.0, 50, 50 * 20 * 1024, includes_csms=False)
    assert health.cost_summary(4000) == {
        "cpu_s": 2.0,
        "cpu_us_per_message": 500.0,  # 2 s / 4000 messages
        "cpu_us_per_station_second": 400.0,  # 2 s / (50 stations * 100 s)
        "rss_kb_per_station": 20.0,
        "stations": 50,
        "includes_embedded_csms": False,
    }


def test_cost_summary_without_messages_or_stations_has_no_ratios() -> None:
    empty = GeneratorHealth().cost_summary(0)
    assert empty == {
        "cpu_s": 0.0,
        "cpu_us_per_message": None,
        "cpu_us_per_station_second": None,
        "rss_kb_per_station": None,
        "stations": 0,
        "includes_embedded_csms": False,
    }
    health = GeneratorHealth()
    health.cost(1.5, 0.0, 10, 0, includes_csms=True)  # stations, but no time measured
    summary = health.cost_summary(3)
    assert summary["cpu_us_per_message"] == 500000.0
    assert summary["cpu_us_per_station_second"] is None
    assert summary["rss_kb_per_station"] == 0.0
    assert summary["includes_embedded_csms"] is True


def test_the_latest_cost_replaces_an_earlier_one() -> None:
    health = GeneratorHealth()
    health.cost(9.0, 9.0, 9, 9, includes_csms=True)
    health.cost(1.0, 10.0, 1, 1024, includes_csms=False)
    assert health.cost_summary(1000) == {
        "cpu_s": 1.0,
        "cpu_us_per_message": 1000.0,
        "cpu_us_per_station_second": 100000.0,
        "rss_kb_per_station": 1.0,
        "stations": 1,
        "includes_embedded_csms": False,
    }


def test_merge_adds_cpu_rss_and_stations_and_keeps_the_longest_run() -> None:
    first, second = GeneratorHealth(), GeneratorHealth()
    first.cost(3.0, 100.0, 100, 100 * MIB, includes_csms=False)
    second.cost(1.0, 120.0, 60, 20 * MIB, includes_csms=True)
    first.merge(second)
    summary = first.cost_summary(8000)
    assert summary["cpu_s"] == 4.0
    assert summary["stations"] == 160
    assert summary["cpu_us_per_message"] == 500.0
    assert summary["cpu_us_per_station_second"] == round(4.0 / (160 * 120.0) * 1e6, 2)
    assert summary["rss_kb_per_station"] == 768.0  # 120 MiB over 160 stations
    assert summary["includes_embedded_csms"] is True
    # the other one is unchanged
    assert second.cost_summary(8000)["cpu_s"] == 1.0 and second.cost_summary(8000)["stations"] == 60


def test_to_dict_and_from_dict_keep_the_cost() -> None:
    health = GeneratorHealth()
    health.cost(12.345, 600.5, 1000, 300 * MIB, includes_csms=True)
    health.sampled(0.5, 0.01, 7)
    data = health.to_dict()
    assert {name: data[name] for name in COST_FIELDS} == {
        "cpu_s": 12.345,
        "seconds": 600.5,
        "stations": 1000,
        "rss_growth_bytes": 300 * MIB,
        "includes_csms": True,
    }
    restored = GeneratorHealth.from_dict(data)
    assert restored.to_dict() == data
    assert restored.cost_summary(123456) == health.cost_summary(123456)
    assert restored.summary() == health.summary()


def test_generator_data_from_before_the_cost_still_loads() -> None:
    health = GeneratorHealth()
    health.sampled(0.4, 0.002, 5)
    health.timer_fired(0.003)
    data = health.to_dict()
    for name in COST_FIELDS:
        del data[name]
    restored = GeneratorHealth.from_dict(data)
    assert restored.summary() == health.summary()
    assert restored.cost_summary(100) == GeneratorHealth().cost_summary(100)
    assert restored.cost_summary(100)["stations"] == 0


def test_the_recorders_summary_carries_the_cost_per_message_sent() -> None:
    recorder = RunRecorder()
    for _ in range(3):
        recorder.call_succeeded("Heartbeat", 0.01)
    recorder.call_failed("MeterValues", "InternalError", 0.02)
    recorder.request_answered("Reset", None)
    recorder.generator_cost(0.0025, 100.0, 50, 50 * 1024, includes_csms=True)
    summary = _summary(recorder)
    assert summary["messages_sent"] == 5
    cost = summary["generator"]["cost"]
    assert cost["cpu_us_per_message"] == 500.0  # 0.0025 s / 5 messages
    assert cost["cpu_us_per_message"] == round(0.0025 / summary["messages_sent"] * 1e6, 1)
    assert cost["cpu_us_per_station_second"] == 0.5
    assert cost["rss_kb_per_station"] == 1.0
    assert cost["stations"] == 50
    assert cost["includes_embedded_csms"] is True
    # the rest of the generator's summary is still there, next to the cost
    assert summary["generator"]["saturated"] is False


def test_the_recorders_cost_survives_its_round_trip_and_merge() -> None:
    first, second = RunRecorder(), RunRecorder()
    first.call_succeeded("Heartbeat", 0.01)
    second.call_succeeded("Heartbeat", 0.01)
    first.generator_cost(0.001, 10.0, 5, 0, includes_csms=False)
    second.generator_cost(0.003, 20.0, 15, 0, includes_csms=False)
    restored = RunRecorder.from_dict(first.to_dict())
    assert _summary(restored)["generator"]["cost"] == _summary(first)["generator"]["cost"]
    restored.merge(RunRecorder.from_dict(second.to_dict()))
    cost = _summary(restored)["generator"]["cost"]
    assert cost["cpu_s"] == 0.004
    assert cost["stations"] == 20
    assert cost["cpu_us_per_message"] == 2000.0  # 0.004 s over 2 messages
    assert cost["cpu_us_per_station_second"] == 10.0  # 0.004 s over 20 stations * 20 s


# --- the newer saturation reasons -----------------------------------------------------------------


def test_loop_lag_p99_over_the_limit_is_a_reason() -> None:
    health = GeneratorHealth()
    for _ in range(98):
        health.sampled(0.2, 0.001, 0)
    for _ in range(2):  # 2 % of the ticks: p99 is one of them
        health.sampled(0.2, LOOP_LAG_P99_LIMIT_S * 2, 0)
    summary = health.summary()
    assert summary["saturated"] is True
    assert summary["reasons"] == [
        f"event loop lag p99 {LOOP_LAG_P99_LIMIT_S * 2000:.0f} ms > {LOOP_LAG_P99_LIMIT_S * 1000:.0f} ms"
    ]
    assert summary["loop_lag_ms"]["p99"] == pytest.approx(LOOP_LAG_P99_LIMIT_S * 2000, rel=0.01)


def test_loop_lag_at_the_limit_or_only_at_the_tail_is_no_reason() -> None:
    at_limit = GeneratorHealth()
    for _ in range(100):
        at_limit.sampled(0.2, LOOP_LAG_P99_LIMIT_S, 0)
    assert at_limit.saturation_reasons() == []
    tail = GeneratorHealth()
    for _ in range(199):
        tail.sampled(0.2, 0.001, 0)
    tail.sampled(0.2, 5.0, 0)  # one hiccup in 200 ticks: above p99
    assert tail.saturation_reasons() == []
    assert tail.summary()["loop_lag_ms"]["max"] == 5000.0


def test_calls_waiting_while_the_loop_is_busy_is_a_reason() -> None:
    health = GeneratorHealth()
    health.sampled(BUSY_LIMIT + 0.05, 0.0, CALLS_WAITING_LIMIT)  # busy, but no busy streak
    reasons = health.saturation_reasons()
    assert len(reasons) == 1
    assert reasons[0].startswith(f"{CALLS_WAITING_LIMIT} CALLs waiting in the stations' queues")
    assert "busy (> 90%)" in reasons[0]


def test_calls_waiting_while_the_loop_lags_is_a_reason() -> None:
    health = GeneratorHealth()
    lag = (QUEUED_LAG_LIMIT_S + LOOP_LAG_P99_LIMIT_S) / 2  # lagging, but not enough for its own reason
    for _ in range(10):
        health.sampled(0.3, lag, 5 * CALLS_WAITING_LIMIT)
    reasons = health.saturation_reasons()
    assert len(reasons) == 1
    assert f"{5 * CALLS_WAITING_LIMIT} CALLs waiting" in reasons[0]
    assert f"lagging (> {QUEUED_LAG_LIMIT_S * 1000:.0f} ms)" in reasons[0]
    assert health.summary()["saturated"] is True


def test_calls_waiting_below_the_limit_on_a_busy_loop_is_no_reason() -> None:
    health = GeneratorHealth()
    health.sampled(1.0, LOOP_LAG_P99_LIMIT_S, CALLS_WAITING_LIMIT - 1)
    assert health.saturation_reasons() == []


def test_many_calls_waiting_on_an_idle_loop_is_a_slow_csms_not_a_saturated_generator() -> None:
    health = GeneratorHealth()
    for _ in range(60):
        health.sampled(0.15, 0.002, 20 * CALLS_WAITING_LIMIT)
    summary = health.summary()
    assert summary["saturated"] is False and summary["reasons"] == []
    assert summary["calls_waiting_max"] == 20 * CALLS_WAITING_LIMIT


def test_a_busy_ramp_then_calls_waiting_on_an_idle_loop_is_not_saturated() -> None:
    health = GeneratorHealth()
    health.sampled(BUSY_LIMIT + 0.05, 0.0, 0)  # one busy second: the stations connecting
    for _ in range(60):  # then a slow CSMS: many CALLs wait, the loop idles
        health.sampled(0.15, 0.002, 20 * CALLS_WAITING_LIMIT)
    assert health.saturation_reasons() == []


def test_merged_calls_waiting_on_a_busy_loop_is_a_reason() -> None:
    # each process below the limit, together (an upper bound at one moment) at it
    first, second = GeneratorHealth(), GeneratorHealth()
    first.sampled(1.0, 0.0, CALLS_WAITING_LIMIT // 2)
    second.sampled(1.0, 0.0, CALLS_WAITING_LIMIT - CALLS_WAITING_LIMIT // 2)
    assert first.saturation_reasons() == [] and second.saturation_reasons() == []
    first.merge(second)
    (reason,) = first.saturation_reasons()
    assert reason.startswith(f"{CALLS_WAITING_LIMIT} CALLs waiting")


# --- folding timer lateness: the histogram's clear and buckets, timers_fired -----------------------


def _spread(seed: int, n: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(-6.0, 2.0) for _ in range(n)]  # ~2.5 ms median, 1 us .. seconds


def test_clear_empties_a_histogram_for_the_next_fold() -> None:
    histogram = LatencyHistogram()
    histogram.record_many([0.001, 0.2, 3.0])
    histogram.clear()
    assert histogram.count == 0
    assert (histogram.min, histogram.max, histogram.mean) == (0.0, 0.0, 0.0)
    assert histogram.percentiles([50, 99, 100]) == [0.0, 0.0, 0.0]
    assert list(histogram.buckets()) == []
    assert histogram.to_dict() == LatencyHistogram().to_dict()
    histogram.record(0.5)  # min and max start afresh
    assert (histogram.count, histogram.min, histogram.max) == (1, 0.5, 0.5)


def test_buckets_list_each_non_empty_bucket_with_a_value_inside_it() -> None:
    histogram = LatencyHistogram()
    histogram.record_many([0.000_003, 0.000_003, 0.010, 0.0101, 2.0])
    buckets = list(histogram.buckets())
    assert [n for _, n in buckets] == [2, 1, 1, 1]  # 10 ms and 10.1 ms are 1 % apart: two buckets
    assert [value for value, _ in buckets] == sorted(value for value, _ in buckets)
    assert buckets[0][0] == pytest.approx(0.0000035)  # 1 us wide below 256 us: its middle
    for (value, _), true in zip(buckets, [0.000_003, 0.010, 0.0101, 2.0], strict=True):
        assert abs(value - true) <= true / 128 + 1e-6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replaying_buckets_into_a_fresh_histogram_keeps_count_and_percentiles(seed: int) -> None:
    original = LatencyHistogram()
    original.record_many(_spread(seed, 5000))
    replayed = LatencyHistogram()
    for value, n in original.buckets():
        for _ in range(n):
            replayed.record(value)
    assert replayed.count == original.count == 5000
    # every bucket's value falls back into that same bucket
    assert replayed.to_dict()["buckets"] == original.to_dict()["buckets"]
    qs = [1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 100.0]
    for q, want, got in zip(qs, original.percentiles(qs), replayed.percentiles(qs), strict=True):
        assert got == pytest.approx(want, rel=0.01), q


def test_timers_fired_merges_a_fold_into_the_timer_lateness_summary() -> None:
    recorder = RunRecorder()
    for _ in range(10):
        recorder.timer_fired(0.001)
    fold = LatencyHistogram()
    fold.record_many([0.002] * 89 + [0.040])
    recorder.timers_fired(fold)
    assert fold.count == 90  # handed over, not consumed
    fold.clear()  # as the reactor does: the next second's fold begins empty
    fold.record(0.003)
    recorder.timers_fired(fold)
    lateness = _summary(recorder)["generator"]["timer_lateness_ms"]
    assert lateness["count"] == 101
    assert lateness["max"] == 40.0
    assert lateness["p50"] == pytest.approx(2.0, rel=0.01)
    assert _summary(recorder)["generator"]["saturated"] is False


def test_a_late_fold_flags_the_run_like_late_single_timers() -> None:
    recorder = RunRecorder()
    fold = LatencyHistogram()
    fold.record_many([0.0] * 95 + [LATENESS_P99_LIMIT_S * 3] * 5)
    recorder.timers_fired(fold)
    generator = _summary(recorder)["generator"]
    assert generator["saturated"] is True
    assert generator["reasons"][0].startswith("timer lateness p99 300 ms")


# --- Timers.postpone -----------------------------------------------------------------------------


def _noop(deadline: float, now: float) -> None:
    pass


def test_postpone_moves_an_armed_timer_later_and_next_deadline_follows() -> None:
    fired: list[tuple[float, float]] = []

    def callback(deadline: float, now: float) -> None:
        fired.append((deadline, now))

    timers = Timers()
    timers.set("heartbeat", 10.0, callback)
    assert timers.next_deadline() == 10.0
    timers.postpone("heartbeat", 25.0)
    assert timers.next_deadline() == 25.0
    assert timers.pop_due(24.9) == []
    ((at, popped),) = timers.pop_due(25.0)
    popped(at, 25.0)
    assert fired == [(25.0, 25.0)]  # the same callback, at the new deadline
    assert timers.next_deadline() is None


def test_postpone_never_moves_a_timer_earlier() -> None:
    timers = Timers()
    timers.set("heartbeat", 10.0, _noop)
    timers.postpone("heartbeat", 5.0)
    timers.postpone("heartbeat", 10.0)
    assert timers.next_deadline() == 10.0
    assert [at for at, _ in timers.pop_due(10.0)] == [10.0]


def test_postpone_leaves_an_unarmed_timer_unarmed() -> None:
    timers = Timers()
    timers.postpone("heartbeat", 5.0)
    assert not timers.is_set("heartbeat")
    assert timers.next_deadline() is None
    timers.set("meter", 8.0, _noop)
    timers.cancel("meter")
    timers.postpone("meter", 20.0)
    assert not timers.is_set("meter")
    assert timers.next_deadline() is None


def test_postpone_among_several_timers_keeps_the_earliest_right() -> None:
    timers = Timers()
    timers.set("a", 10.0, _noop)
    timers.set("b", 15.0, _noop)
    timers.set("c", 30.0, _noop)
    timers.postpone("b", 20.0)  # not the earliest: unchanged
    assert timers.next_deadline() == 10.0
    timers.postpone("a", 12.0)  # still the earliest, later
    assert timers.next_deadline() == 12.0
    timers.postpone("a", 25.0)  # now b is the earliest
    assert timers.next_deadline() == 20.0
    timers.postpone("b", 40.0)
    assert timers.next_deadline() == 25.0
    assert [at for at, _ in timers.pop_due(35.0)] == [25.0, 30.0]
    assert timers.next_deadline() == 40.0
