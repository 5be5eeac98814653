"""The shipped Grafana dashboards and their metric reference (issue 18, finding 8): variables the
panels use, a Locust-mode dashboard on the Locust exporter's names, every exported metric
documented in dashboards/README.md. (A real Prometheus runs the `fleet run` dashboard's queries:
tests/engine/test_engine_prometheus_energy.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import prometheus_client.metrics
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from fleet.csms._ledger import Ledger
from fleet.csms._metrics import CsmsMetrics
from fleet.locust._prometheus import LocustStatsCollector
from fleet.metrics import PrometheusRecorder, publish_run_info

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
VARIABLES = ("job", "instance", "ocpp_version", "action")
METRIC = re.compile(r"\b(ocpp_fleet_[a-z_]+)")


def _dashboard(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DASHBOARDS / name).read_text())
    return loaded


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def _all_metrics() -> CollectorRegistry:
    """One registry with every family ocpp-fleet exports: `fleet run`, the CSMS, Locust mode."""
    registry = CollectorRegistry()
    PrometheusRecorder(registry).call_succeeded("Heartbeat", 0.001)
    CsmsMetrics(registry, Ledger(), lambda: 0).message_handled(1, 0.0001)
    registry.register(LocustStatsCollector(lambda: [], lambda: 0))
    publish_run_info(registry, [("version", "x")])
    return registry


@pytest.mark.parametrize("name", ["fleet-grafana.json", "fleet-locust-grafana.json"])
def test_every_panel_is_filtered_by_the_dashboard_variables(name: str) -> None:
    dashboard = _dashboard(name)
    declared = {item["name"] for item in dashboard["templating"]["list"]}
    assert set(VARIABLES) <= declared
    exprs = _exprs(dashboard)
    assert exprs
    for expr in exprs:
        assert 'job=~"$job"' in expr and 'instance=~"$instance"' in expr, expr
    for variable in ("ocpp_version", "action"):
        assert any(f'{variable}=~"${variable}"' in expr for expr in exprs), variable


def test_runs_are_annotated_from_run_info() -> None:
    (annotation,) = _dashboard("fleet-grafana.json")["annotations"]["list"]
    assert "ocpp_fleet_run_info" in annotation["expr"]
    assert "{{command}}" in annotation["textFormat"]


def test_the_locust_dashboard_reads_the_locust_exporters_names_and_labels() -> None:
    registry = CollectorRegistry()
    registry.register(LocustStatsCollector(lambda: [], lambda: 0))
    families = {family.name for family in registry.collect()}
    exported = {f"{name}{suffix}" for name in families for suffix in ("", "_total", "_bucket", "_count")}
    exprs = _exprs(_dashboard("fleet-locust-grafana.json"))
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    assert used and used <= exported, used - exported
    labels = {label for expr in exprs for label in re.findall(r"([a-z_]+)=~?\"", expr)}
    assert labels <= {"job", "instance", "ocpp_version", "action", "outcome"}, labels


def test_every_exported_metric_is_documented() -> None:
    readme = (DASHBOARDS / "README.md").read_text()
    suffix = {"counter": "_total", "info": "_info"}
    names = {family.name + suffix.get(family.type, "") for family in _all_metrics().collect()}
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert undocumented == []
    assert {"ocpp_fleet_csms_frames_received_total", "ocpp_fleet_csms_stations_booted"} <= names


def test_no_created_series_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """`*_created` doubled every counter and histogram, the embedded CSMS's too: building our
    metrics turns them off, whatever an earlier import or test did."""
    monkeypatch.setattr(prometheus_client.metrics, "_use_created", True)
    text = generate_latest(_all_metrics()).decode()
    assert "ocpp_fleet_csms_frames_received_total" in text
    assert "_created" not in text
