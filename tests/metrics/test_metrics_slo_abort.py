"""Abort on fail (issue 18, finding 2): which thresholds are lost early, and when."""

import pytest

from fleet.metrics import AbortOnFail, RunRecorder, SloWatch, parse_slo
from fleet.metrics._slo_abort import only_gets_worse


def _watch(*texts: str, delay_s: float = 10.0) -> SloWatch:
    return SloWatch(AbortOnFail(tuple(parse_slo(text) for text in texts), delay_s))


@pytest.mark.parametrize(
    ("text", "worse_only"),
    [
        ("errors == 0", True),
        ("dropped <= 3", True),
        ("reconnects < 1", True),
        ("lost == 0", True),
        ("max < 1s", True),
        ("max(Heartbeat) <= 300ms", True),
        ("min > 1us", True),
        ("booted >= 10", False),  # a count still growing may reach it
        ("errors != 0", False),
        ("p99 < 1s", False),
        ("error_rate < 1%", False),
        ("rate > 5", False),
    ],
)
def test_thresholds_that_only_get_worse(text: str, worse_only: bool) -> None:
    assert only_gets_worse(parse_slo(text)) is worse_only


def test_a_count_is_lost_as_soon_as_it_fails() -> None:
    recorder = RunRecorder()
    watch = _watch("errors == 0")
    assert watch.check(recorder, 1.0) is None
    recorder.call_failed("Heartbeat", "InternalError", 0.001)
    lost = watch.check(recorder, 2.0)
    assert lost is not None and lost.at_s == 2.0
    assert lost.to_dict() == {"slo": "errors == 0", "at_s": 2.0, "detail": "measured 1"}
    assert watch.check(RunRecorder(), 3.0) is lost  # the first verdict stays


def test_a_count_below_an_equality_is_not_lost_yet() -> None:
    recorder = RunRecorder()
    recorder.station_booted()
    assert _watch("booted == 2").check(recorder, 5.0) is None
    recorder.station_booted()
    recorder.station_booted()
    assert _watch("booted == 2").check(recorder, 5.0) is not None


def test_a_statistical_threshold_waits_for_the_delay() -> None:
    recorder = RunRecorder()
    recorder.call_succeeded("Heartbeat", 0.5)
    watch = _watch("p99(Heartbeat) < 100ms", delay_s=5.0)
    assert watch.check(recorder, 4.0) is None
    lost = watch.check(recorder, 5.0)
    assert lost is not None and "measured 500" in lost.result.detail


def test_nothing_to_measure_and_rate_never_abort() -> None:
    recorder = RunRecorder()
    recorder.call_succeeded("Heartbeat", 0.5)
    assert _watch("p99(Authorize) < 1ms", "rate > 1000", delay_s=0.0).check(recorder, 30.0) is None
