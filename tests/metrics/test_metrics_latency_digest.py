"""One latency digest: the same keys and rounding wherever a result file reports a latency."""

from __future__ import annotations

import pytest

from fleet.metrics import GeneratorHealth, LatencyHistogram, RunRecorder, latency_digest

KEYS = ["count", "p50", "p90", "p99", "max", "mean"]


def test_the_digest_is_count_percentiles_max_and_mean_in_ms_to_two_places() -> None:
    histogram = LatencyHistogram()
    for ms in range(1, 101):
        histogram.record(ms / 1000.0)
    digest = latency_digest(histogram)
    assert list(digest) == KEYS
    assert digest["count"] == 100
    assert digest["max"] == 100.0
    assert digest["mean"] == 50.5
    # the histogram reports within 1/128 above the true value
    for key, true_ms in (("p50", 50.0), ("p90", 90.0), ("p99", 99.0)):
        assert true_ms <= digest[key] <= true_ms * (1 + 1 / 128)
        assert digest[key] == round(digest[key], 2)


def test_an_empty_histogram_digests_to_zeros() -> None:
    assert latency_digest(LatencyHistogram()) == dict.fromkeys(KEYS, 0) | {"count": 0}


def test_run_results_and_generator_health_write_the_same_digest() -> None:
    recorder = RunRecorder()
    recorder.call_sent("Heartbeat")
    recorder.call_succeeded("Heartbeat", 0.0123)
    recorder.timer_fired(0.004)
    recorder.generator_sampled(0.5, 0.002, 0)
    summary = recorder.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=1)
    heartbeat = summary["actions"]["Heartbeat"]
    assert heartbeat["latency_ms"] == latency_digest(recorder.latency("Heartbeat"))
    assert list(heartbeat["error_latency_ms"]) == KEYS
    generator = summary["generator"]
    assert list(generator["timer_lateness_ms"]) == list(generator["loop_lag_ms"]) == KEYS
    assert generator["loop_lag_ms"]["max"] == pytest.approx(2.0, rel=1 / 128)


def test_generator_health_digests_its_own_histograms() -> None:
    health = GeneratorHealth()
    health.timer_fired(0.010)
    summary = health.summary()
    assert summary["timer_lateness_ms"]["count"] == 1
    assert summary["timer_lateness_ms"]["max"] == 10.0
    assert summary["loop_lag_ms"] == latency_digest(LatencyHistogram())
