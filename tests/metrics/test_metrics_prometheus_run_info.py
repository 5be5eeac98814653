"""``ocpp_fleet_run_info``: how a run was made, as the labels of one series (issue 18, finding 3)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from fleet.metrics import RUN_INFO_METRIC, prometheus_label_name, publish_run_info


def test_run_info_is_one_series_of_value_one_with_the_labels_given() -> None:
    registry = CollectorRegistry()
    labels = [("version", "1.2.3"), ("started_at", "2026-12-04T17:00:00Z"), ("tag_branch", "main")]
    publish_run_info(registry, labels)
    assert registry.get_sample_value(RUN_INFO_METRIC, dict(labels)) == 1.0
    text = generate_latest(registry).decode()
    assert "# TYPE ocpp_fleet_run_info gauge" in text
    assert "_created" not in text


@pytest.mark.parametrize("name", ["tag_ci-job", "9lives", "__reserved", ""])
def test_a_label_name_prometheus_refuses_is_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=f"run info label {name!r} is not a Prometheus label name"):
        publish_run_info(CollectorRegistry(), [(name, "x")])


def test_a_label_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'speed' is given twice"):
        publish_run_info(CollectorRegistry(), [("speed", "1"), ("speed", "2")])


@pytest.mark.parametrize(
    ("text", "name"), [("tag_ci-job", "tag_ci_job"), ("tag_a.b c", "tag_a_b_c"), ("9lives", "_9lives")]
)
def test_label_names_are_made_valid(text: str, name: str) -> None:
    assert prometheus_label_name(text) == name
    publish_run_info(CollectorRegistry(), [(name, "ok")])  # accepted
