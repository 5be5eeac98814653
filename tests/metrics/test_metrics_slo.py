"""SLO thresholds: the syntax, its error messages, and verdicts against real recorder data."""

from typing import Any

import pytest

from fleet.metrics import RunRecorder, SloSyntaxError, evaluate_slos, parse_slo
from fleet.metrics._slo import Kind


def _recorder() -> RunRecorder:
    recorder = RunRecorder()
    for millis in range(1, 101):  # TransactionEvent latencies 1..100 ms
        recorder.call_succeeded("TransactionEvent", millis / 1000)
    for _ in range(9):
        recorder.call_succeeded("Authorize", 0.002)
    recorder.call_failed("Authorize", "InternalError", 0.5)
    recorder.transaction_started()
    return recorder


def _summary(recorder: RunRecorder, duration_s: float = 10.0) -> dict[str, Any]:
    return recorder.summary(ocpp_version="2.0.1", duration_s=duration_s, stations_configured=1)


def _verdicts(*texts: str) -> list[tuple[bool, float | None]]:
    recorder = _recorder()
    results = evaluate_slos([parse_slo(text) for text in texts], recorder, _summary(recorder))
    return [(result.passed, result.measured) for result in results]


def test_parse_reads_metric_action_operator_and_unit() -> None:
    slo = parse_slo("p99(TransactionEvent) < 300ms")
    assert (slo.metric, slo.action, slo.op, slo.kind, slo.percentile) == (
        "p99",
        "TransactionEvent",
        "<",
        Kind.LATENCY,
        99.0,
    )
    assert slo.threshold == pytest.approx(0.3)
    assert parse_slo("error_rate < 0.1%").threshold == pytest.approx(0.001)
    assert parse_slo("error_rate<0.001").threshold == pytest.approx(0.001)
    assert parse_slo("p99.9 <= 2s").percentile == 99.9
    assert parse_slo("rate >= 100/s").threshold == 100.0
    assert parse_slo("dropped == 0").kind is Kind.COUNT


@pytest.mark.parametrize(
    ("text", "problem", "column"),
    [
        ("p99(TransactionEvent) < 300", "needs a unit", 27),
        ("p99(TransactionEvent) < 300mz", "unexpected text", 27),
        ("latency < 3ms", "unknown metric 'latency'", 0),
        ("errors(Heartbeat) == 0", "takes no (ACTION)", 6),
        ("p99 = 3ms", "expected a comparison", 3),
        ("p99 < fast", "expected a number", 5),
        ("dropped == 0%", "dropped needs a unit: none", 12),
    ],
)
def test_syntax_errors_point_at_the_problem(text: str, problem: str, column: int) -> None:
    with pytest.raises(SloSyntaxError) as caught:
        parse_slo(text)
    assert problem in caught.value.problem
    assert caught.value.position == column
    lines = str(caught.value).splitlines()
    assert lines[1] == f"    {text}"
    assert lines[2].index("^") == column + 4


def test_percentile_is_measured_on_the_exact_histogram() -> None:
    # nearest rank: p99 of 1..100 ms is 99 ms (within the histogram's 1/128 bucket width)
    [(passed_fast, p99)] = _verdicts("p99(TransactionEvent) < 100ms")
    assert passed_fast and p99 is not None and 0.099 <= p99 <= 0.099 * (1 + 1 / 128)
    assert _verdicts("p99(TransactionEvent) < 90ms") == [(False, p99)]
    assert _verdicts("max(TransactionEvent) <= 100ms") == [(True, 0.1)]


def test_latency_over_all_actions_merges_histograms_including_failed_calls() -> None:
    [(passed, worst)] = _verdicts("max < 400ms")
    assert not passed and worst == 0.5  # the failed Authorize took 500 ms


def test_error_rates_per_action_and_overall() -> None:
    assert _verdicts("error_rate(Authorize) < 5%") == [(False, 0.1)]
    [(passed, overall)] = _verdicts("error_rate <= 1%")
    assert passed and overall == pytest.approx(1 / 110)


def test_rates_and_totals() -> None:
    assert _verdicts("rate >= 11/s", "transactions_started >= 1", "dropped == 0") == [
        (True, 11.0),
        (True, 1.0),
        (True, 0.0),
    ]


def test_nothing_to_measure_is_a_failure_with_a_reason() -> None:
    recorder = _recorder()
    [result] = evaluate_slos([parse_slo("p99(Heartbeat) < 1s")], recorder, _summary(recorder))
    assert not result.passed and result.measured is None
    assert "no Heartbeat calls were answered" in result.line()


def test_loss_thresholds_read_the_loss_accounting_and_fail_without_it() -> None:
    recorder = RunRecorder()
    summary = _summary(recorder)
    lost, duplicated = parse_slo("lost == 0"), parse_slo("duplicated == 0")
    (without,) = evaluate_slos([lost], recorder, summary)
    assert not without.passed and without.measured is None and "fleet verify" in without.detail
    summary["loss"] = {"acknowledged": 120, "lost": 2, "duplicated": 0, "out_of_order": 0}
    lost_result, duplicated_result = evaluate_slos([lost, duplicated], recorder, summary)
    assert not lost_result.passed and lost_result.measured == 2.0
    assert "of 120 transaction messages" in lost_result.detail
    assert duplicated_result.passed and duplicated_result.measured == 0.0
