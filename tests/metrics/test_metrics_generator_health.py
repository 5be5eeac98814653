"""Generator health: the saturation verdict, its loud line, and exact merge/round trip."""

from __future__ import annotations

from fleet.metrics import GeneratorHealth, RunRecorder, format_summary
from fleet.metrics._generator_health import BUSY_LIMIT, BUSY_STREAK_LIMIT, LATENESS_P99_LIMIT_S


def _summary(recorder: RunRecorder) -> dict[str, object]:
    return recorder.summary(ocpp_version="2.0.1", duration_s=10.0, stations_configured=1)


def test_a_generator_that_keeps_up_is_not_flagged() -> None:
    recorder = RunRecorder()
    for _ in range(100):
        recorder.timer_fired(LATENESS_P99_LIMIT_S / 10)
    for _ in range(BUSY_STREAK_LIMIT * 3):
        recorder.generator_sampled(BUSY_LIMIT / 2, 0.001, 3)
    generator = _summary(recorder)["generator"]
    assert isinstance(generator, dict)
    assert generator["saturated"] is False and generator["reasons"] == []
    assert generator["calls_waiting_max"] == 3
    assert generator["busy_fraction"]["mean"] == BUSY_LIMIT / 2
    assert "SATURATED" not in format_summary(_summary(recorder))


def test_late_timers_flag_the_run_with_the_reason() -> None:
    recorder = RunRecorder()
    for _ in range(98):
        recorder.timer_fired(0.0)
    for _ in range(2):  # 2 % of the timers: p99 is one of them
        recorder.timer_fired(LATENESS_P99_LIMIT_S * 3)
    generator = _summary(recorder)["generator"]
    assert isinstance(generator, dict)
    assert generator["saturated"] is True
    assert "timer lateness p99" in generator["reasons"][0]
    assert "GENERATOR SATURATED" in format_summary(_summary(recorder))


def test_only_a_sustained_busy_loop_flags_the_run() -> None:
    health = GeneratorHealth()
    for _ in range(BUSY_STREAK_LIMIT - 1):
        health.sampled(1.0, 0.0, 0)
    health.sampled(0.1, 0.0, 0)  # the streak is broken
    assert health.summary()["saturated"] is False
    for _ in range(BUSY_STREAK_LIMIT):
        health.sampled(1.0, 0.0, 0)
    summary = health.summary()
    assert summary["saturated"] is True
    assert f"for {BUSY_STREAK_LIMIT} s in a row" in summary["reasons"][0]


def test_merge_and_round_trip_keep_every_figure() -> None:
    first, second = RunRecorder(), RunRecorder()
    for i in range(50):
        first.timer_fired(i / 1000)
        second.timer_fired(i / 500)
    first.generator_sampled(0.3, 0.002, 4)
    second.generator_sampled(0.95, 0.010, 9)
    restored = RunRecorder.from_dict(first.to_dict())
    assert restored.to_dict() == first.to_dict()
    restored.merge(RunRecorder.from_dict(second.to_dict()))
    generator = _summary(restored)["generator"]
    assert isinstance(generator, dict)
    assert generator["timer_lateness_ms"]["count"] == 100
    assert generator["timer_lateness_ms"]["max"] == 98.0
    assert generator["busy_fraction"]["max"] == 0.95
    assert generator["calls_waiting_max"] == 4 + 9  # two processes at once: an upper bound
    assert generator["samples"] == 2


def test_recorder_data_from_before_generator_health_still_loads() -> None:
    data = RunRecorder().to_dict()
    del data["generator"]
    assert _summary(RunRecorder.from_dict(data))["generator"]["samples"] == 0  # type: ignore[index]
