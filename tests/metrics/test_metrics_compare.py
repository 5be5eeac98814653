"""fleet compare's judgement: regressions beyond tolerance and floor, improvements, noise."""

from typing import Any

import pytest

from fleet.metrics import (
    ResultsError,
    RunRecorder,
    Tolerances,
    Verdict,
    check_results_shape,
    compare_results,
    parse_tolerance,
)


def _result(
    latency_s: float, failures: int = 0, calls: int = 1000, duration_s: float = 10.0
) -> dict[str, Any]:
    recorder = RunRecorder()
    for _ in range(calls - failures):
        recorder.call_succeeded("TransactionEvent", latency_s)
    for _ in range(failures):
        recorder.call_failed("TransactionEvent", "InternalError", latency_s)
    return recorder.summary(ocpp_version="2.0.1", duration_s=duration_s, stations_configured=1)


def _verdicts(base: dict[str, Any], new: dict[str, Any], *tolerances: str) -> dict[str, Verdict]:
    rules = Tolerances(tuple(parse_tolerance(text) for text in tolerances))
    return {figure.name: figure.verdict for figure in compare_results(base, new, rules)}


def test_slower_beyond_tolerance_and_floor_is_a_regression() -> None:
    verdicts = _verdicts(_result(0.050), _result(0.080))
    assert verdicts["TransactionEvent p99"] is Verdict.REGRESSION
    assert verdicts["TransactionEvent p50"] is Verdict.REGRESSION


def test_within_tolerance_is_worse_but_not_a_regression() -> None:
    assert _verdicts(_result(0.050), _result(0.054))["TransactionEvent p99"] is Verdict.WORSE
    assert _verdicts(_result(0.050), _result(0.054), "5%")["TransactionEvent p99"] is (Verdict.REGRESSION)


def test_sub_millisecond_noise_is_never_a_regression() -> None:
    assert _verdicts(_result(0.0002), _result(0.0008))["TransactionEvent p99"] is Verdict.WORSE


def test_faster_is_better_and_errors_are_judged() -> None:
    verdicts = _verdicts(_result(0.080), _result(0.050, failures=10, calls=2000))
    assert verdicts["TransactionEvent p99"] is Verdict.BETTER
    assert verdicts["TransactionEvent error rate"] is Verdict.REGRESSION


def test_throughput_drop_is_a_regression() -> None:
    verdicts = _verdicts(_result(0.05, duration_s=10.0), _result(0.05, duration_s=20.0))
    assert verdicts["throughput"] is Verdict.REGRESSION


def test_a_file_that_is_not_a_result_is_named_in_the_error() -> None:
    with pytest.raises(ResultsError, match=r"old\.json: missing key 'actions'"):
        check_results_shape({"duration_s": 1.0}, "old.json")
    with pytest.raises(ResultsError, match=r"new\.json: 'duration_s' should be a number, found a string"):
        check_results_shape({"actions": {}, "duration_s": "10", "messages_sent": 1}, "new.json")
    with pytest.raises(ResultsError, match="found a list"):
        check_results_shape([], "x.json")


def test_a_tolerance_per_kind_and_per_figure_the_most_specific_wins() -> None:
    base, new = _result(0.050), _result(0.057)  # +14 %
    assert _verdicts(base, new)["TransactionEvent p99"] is Verdict.REGRESSION  # default 10 %
    loose_p99 = _verdicts(base, new, "p99=20%")
    assert loose_p99["TransactionEvent p99"] is Verdict.WORSE
    assert loose_p99["TransactionEvent p50"] is Verdict.REGRESSION
    strict_figure = _verdicts(base, new, "TransactionEvent p99=5%", "p99=20%", "50%")
    assert strict_figure["TransactionEvent p99"] is Verdict.REGRESSION
    assert strict_figure["TransactionEvent p50"] is Verdict.WORSE  # the new default, 50 %


def test_each_figure_carries_its_tolerance_and_change() -> None:
    figures = compare_results(_result(0.050), _result(0.080), Tolerances((parse_tolerance("p99=25%"),)))
    by_name = {figure.name: figure for figure in figures}
    assert by_name["TransactionEvent p99"].tolerance == 0.25
    assert by_name["TransactionEvent p50"].tolerance == 0.10
    change = by_name["TransactionEvent p99"].change
    assert change is not None and 0.5 < change < 0.7
    assert by_name["TransactionEvent error rate"].unit == "%"


def test_a_percentile_of_too_few_calls_is_not_judged() -> None:
    """The nightly recipe's first CI run: 110 TransactionEvents, p99 5.3 -> 9.4 ms (the
    second-slowest call of each run) was a REGRESSION; a p99 needs 1,000 calls, a p50 20."""
    verdicts = _verdicts(_result(0.050, calls=110), _result(0.080, calls=110))
    assert verdicts["TransactionEvent p99"] is Verdict.FEW_SAMPLES
    assert verdicts["TransactionEvent p50"] is Verdict.REGRESSION  # 55 calls above the median
    assert _verdicts(_result(0.050, calls=999), _result(0.080))["TransactionEvent p99"] is Verdict.FEW_SAMPLES
    assert _verdicts(_result(0.050, calls=10), _result(0.080, calls=19))["TransactionEvent p50"] is (
        Verdict.FEW_SAMPLES
    )
    assert (
        _verdicts(_result(0.050, calls=20), _result(0.050, calls=20))["TransactionEvent p50"] is Verdict.SAME
    )
