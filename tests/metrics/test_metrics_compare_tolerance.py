"""fleet compare's tolerances: always a percentage, per kind or per figure, unknown names refused."""

import pytest

from fleet.metrics import ToleranceError, Tolerances, parse_tolerance


def test_a_percentage_is_a_relative_fraction() -> None:
    rule = parse_tolerance("10%")
    assert (rule.selector, rule.fraction) == (None, 0.10)
    assert parse_tolerance("0%").fraction == 0.0
    assert parse_tolerance("250%").fraction == 2.5


@pytest.mark.parametrize(("text", "hint"), [("10", "e.g. 10%"), ("0.1", "e.g. 0.1%"), ("p99=20", "e.g. 20%")])
def test_a_bare_number_is_refused_saying_what_to_write(text: str, hint: str) -> None:
    with pytest.raises(ToleranceError, match="write the tolerance as a percentage") as refused:
        parse_tolerance(text)
    assert hint in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc%", "expected a number followed by %"),
        ("-5%", "0% or more"),
        ("inf%", "finite"),
        ("=5%", "name a figure"),
    ],
)
def test_other_bad_tolerances_are_named(text: str, message: str) -> None:
    with pytest.raises(ToleranceError, match=message):
        parse_tolerance(text)


def test_a_selector_names_a_kind_or_a_figure_in_any_spelling() -> None:
    assert parse_tolerance("p99=20%").selector == "p99"
    assert parse_tolerance("error_rate=50%").selector == "error rate"
    assert parse_tolerance(" TransactionEvent   p99 = 25% ").selector == "transactionevent p99"


def test_the_most_specific_rule_applies_and_the_default_is_ten_percent() -> None:
    assert Tolerances().for_figure("Heartbeat p99", "p99") == 0.10
    rules = Tolerances(tuple(map(parse_tolerance, ["20%", "p99=30%", "Heartbeat p99=40%", "error_rate=5%"])))
    assert rules.for_figure("Heartbeat p99", "p99") == 0.40
    assert rules.for_figure("Authorize p99", "p99") == 0.30
    assert rules.for_figure("Authorize p50", "p50") == 0.20
    assert rules.for_figure("Authorize error rate", "error rate") == 0.05


def test_an_unknown_figure_is_refused_with_the_closest_name() -> None:
    names = ["TransactionEvent p50", "TransactionEvent p99", "throughput"]
    rules = Tolerances((parse_tolerance("TransactoinEvent p99=25%"),))
    with pytest.raises(
        ToleranceError, match=r"no figure called 'TransactoinEvent p99'; did you mean 'TransactionEvent p99'"
    ):
        rules.check_names(names, "--tolerance")
    with pytest.raises(ToleranceError, match=r"--tolerance 'latency=5%'.*figures are p50, p99, error_rate"):
        Tolerances((parse_tolerance("latency=5%"),)).check_names(names, "--tolerance")
    Tolerances(tuple(map(parse_tolerance, ["p99=5%", "transactions_started=1%"]))).check_names(
        names, "--tolerance"
    )
