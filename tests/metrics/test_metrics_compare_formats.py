"""fleet compare's outputs: the headline, JSON for machines, Markdown for a CI comment."""

import json
from typing import Any

from fleet.metrics import (
    Comparison,
    Difference,
    compare_results,
    comparison_json,
    comparison_markdown,
    format_comparison,
)


def _action(p50: float, p99: float, ok: int = 100, errors: int = 0) -> dict[str, Any]:
    return {"ok": ok, "errors": errors, "latency_ms": {"p50": p50, "p99": p99}}


def _result(p99: float, messages: int, errors: int = 0) -> dict[str, Any]:
    return {
        "actions": {"Heartbeat": _action(5.0, 9.0), "Trans|Event": _action(20.0, p99, errors=errors)},
        "duration_s": 10.0,
        "messages_sent": messages,
        "transactions": {"started": 10},
    }


def _comparison(**kwargs: Any) -> Comparison:
    figures = compare_results(_result(41.0, 2500), _result(55.0, 2200))
    return Comparison("base.json", "new.json", figures, **kwargs)


def test_the_headline_names_each_regression_with_its_change_and_values() -> None:
    assert _comparison().headline() == (
        "2 regressions: Trans|Event p99 +34 % (41 -> 55 ms), throughput -12 % (250 -> 220 msg/s)"
    )
    same = compare_results(_result(41.0, 2500), _result(41.0, 2500))
    assert Comparison("a", "b", same).headline() == "no regressions"
    one = compare_results(_result(41.0, 2500), _result(55.0, 2500))
    assert Comparison("a", "b", one).headline().startswith("1 regression: ")


def test_json_has_every_figure_and_both_verdicts() -> None:
    data = json.loads(json.dumps(comparison_json(_comparison())))
    assert (data["verdict"], data["comparable"], data["regressions"]) == ("regression", True, 2)
    p99 = next(figure for figure in data["figures"] if figure["name"] == "Trans|Event p99")
    assert p99 == {
        "name": "Trans|Event p99",
        "action": "Trans|Event",
        "kind": "p99",
        "unit": "ms",
        "base": 41.0,
        "new": 55.0,
        "change": round(14 / 41, 6),
        "tolerance": 0.1,
        "verdict": "regression",
    }
    assert len(data["figures"]) == 8  # 2 actions x (p50, p99, error rate) + throughput + transactions


def test_refused_runs_say_so_in_json_and_markdown() -> None:
    refused = Comparison("a.json", "b.json", [], [Difference("stations", "1000", "2000")])
    data = comparison_json(refused)
    assert (data["verdict"], data["comparable"], data["figures"]) == ("incomparable", False, [])
    assert data["differences"] == [{"what": "stations", "base": "1000", "new": "2000"}]
    markdown = comparison_markdown(refused)
    assert "not comparable: stations: 1000 vs 2000" in markdown and "| figure |" not in markdown
    allowed = _comparison(differences=[Difference("stations", "1000", "2000")], allow_different=True)
    assert comparison_json(allowed)["verdict"] == "regression"
    assert "the runs differ: stations: 1000 vs 2000" in format_comparison(allowed)


def test_markdown_is_a_table_with_the_regressions_first() -> None:
    markdown = comparison_markdown(_comparison())
    lines = markdown.splitlines()
    assert lines[0] == (
        "**fleet compare: 2 regressions: Trans\\|Event p99 +34 % (41 -> 55 ms), "
        "throughput -12 % (250 -> 220 msg/s)**"
    )
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| figure | base | new | change | tolerance | verdict |"
    assert table[2] == "| Trans\\|Event p99 | 41 ms | 55 ms | +34.1 % | 10 % | **regression** |"
    assert table[3].startswith("| throughput | 250 msg/s | 220 msg/s | -12.0 %")
    assert len(table) == 2 + 8
    assert all(ord(char) < 128 for char in markdown)  # no emoji


def test_the_text_table_ends_with_the_headline() -> None:
    text = format_comparison(_comparison())
    assert text.splitlines()[-1].startswith("2 regressions: ")
    assert "REGRESSION" in text
