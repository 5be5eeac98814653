"""SLO thresholds: the syntax, its error messages, and verdicts against real recorder data."""

from typing import Any

import pytest

from fleet.metrics import RunRecorder, SloSyntaxError, evaluate_slos, parse_slo
from fleet.metrics._ocpp_actions import CSMS_ACTIONS, STATION_ACTIONS
from fleet.metrics._slo import Kind
from fleet.ocpp import v16, v201


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


# -- names checked before the run (issue 18, finding 2) -------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p99(Heartbeet) < 1s", "unknown action 'Heartbeet'; did you mean 'Heartbeat'?"),
        ("Heartbeet: p(95)<500", "unknown action 'Heartbeet'; did you mean 'Heartbeat'?"),
        ("error_rate(TransactionEvnt) < 1%", "did you mean 'TransactionEvent'?"),
        ("erors == 0", "unknown metric 'erors'; did you mean 'errors'?"),
        ("latency < 3ms", "unknown metric 'latency'"),
        ("p99(RequestStartTransaction) < 1s", "RequestStartTransaction is sent by the CSMS"),
    ],
)
def test_unknown_names_are_refused_in_one_line_with_the_closest_name(text: str, message: str) -> None:
    with pytest.raises(SloSyntaxError) as caught:
        parse_slo(text)
    assert str(caught.value) == f"bad SLO {text!r}: {caught.value.problem}"
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_action_tables_are_every_ocpp_action_of_both_versions() -> None:
    assert set(v201.ACTIONS) | set(v16.ACTIONS) == STATION_ACTIONS | CSMS_ACTIONS
    assert not STATION_ACTIONS & CSMS_ACTIONS
    for action in ("Heartbeat", "TransactionEvent", "StartTransaction", "StopTransaction", "MeterValues"):
        assert parse_slo(f"p99({action}) < 1s").action == action


# -- k6's spellings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "percentile", "threshold"),
    [
        ("p(95)<500", "p95", 95.0, 0.5),  # a bare number is milliseconds, as in k6
        ("p(99.9) < 2s", "p99.9", 99.9, 2.0),
        ("avg<200", "mean", None, 0.2),
        ("med<50", "p50", 50.0, 0.05),
        ("max<2000", "max", None, 2.0),
        ("min>1", "min", None, 0.001),
        ("http_req_duration: p(95)<500", "p95", 95.0, 0.5),
    ],
)
def test_k6_latency_spellings(text: str, metric: str, percentile: float | None, threshold: float) -> None:
    slo = parse_slo(text)
    assert (slo.metric, slo.percentile, slo.action, slo.kind) == (metric, percentile, None, Kind.LATENCY)
    assert slo.threshold == pytest.approx(threshold)


def test_k6_name_in_front_scopes_to_an_action() -> None:
    slo = parse_slo("TransactionEvent: p(99)<300")
    assert (slo.metric, slo.action) == ("p99", "TransactionEvent")
    assert slo.threshold == pytest.approx(0.3)
    (median_passed, median), (mean_passed, mean) = _verdicts(
        "TransactionEvent: med<51", "Authorize: avg < 1ms"
    )
    assert median_passed and median == pytest.approx(0.05, rel=0.01)
    assert not mean_passed and mean == pytest.approx((9 * 0.002 + 0.5) / 10)


@pytest.mark.parametrize("text", ["failed: rate<0.01", "http_req_failed: rate<1%", "failed: rate < 1%"])
def test_k6_failed_rate_is_the_share_of_failed_calls(text: str) -> None:
    slo = parse_slo(text)
    assert (slo.metric, slo.kind) == ("error_rate", Kind.RATIO)
    assert slo.threshold == pytest.approx(0.01)
    [(passed, share)] = _verdicts(text)
    assert passed and share == pytest.approx(1 / 110)


def test_a_bare_rate_stays_messages_per_second() -> None:
    slo = parse_slo("rate > 5")
    assert (slo.metric, slo.kind) == ("rate", Kind.RATE)
    assert _verdicts("rate > 5") == [(True, 11.0)]


def test_k6_verdicts_min_and_k6_percentile() -> None:
    [(min_passed, smallest)] = _verdicts("min(TransactionEvent) >= 1")
    assert min_passed and smallest == pytest.approx(0.001, rel=0.01)
    [(passed, p95)] = _verdicts("TransactionEvent: p(95)<90")
    assert not passed and p95 == pytest.approx(0.095, rel=0.01)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("failed: p(95)<500", "after 'failed:' the metric is rate"),
        ("Heartbeat: errors == 0", "errors is for the whole run"),
        ("Heartbeat: p(95)(Authorize) < 5ms", "already named in front"),
        ("p99 < 300", "p99 needs a unit"),  # ours still needs one; k6's p(99)<300 is milliseconds
    ],
)
def test_k6_spelling_mistakes(text: str, problem: str) -> None:
    with pytest.raises(SloSyntaxError) as caught:
        parse_slo(text)
    assert problem in caught.value.problem
