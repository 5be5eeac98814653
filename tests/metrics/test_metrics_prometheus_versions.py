"""PrometheusMetrics: families registered once, one recorder per OCPP version, the generator's
health as one series of the process (labelled with the fleet's label)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from fleet.metrics import PrometheusMetrics, PrometheusRecorder

GENERATOR_SERIES = (
    "ocpp_fleet_generator_lag_seconds_count",
    "ocpp_fleet_generator_busy_ratio",
    "ocpp_fleet_generator_loop_lag_seconds",
    "ocpp_fleet_generator_calls_waiting",
)


def versions_of(registry: CollectorRegistry, sample_name: str) -> set[str]:
    return {
        sample.labels["ocpp_version"]
        for family in registry.collect()
        for sample in family.samples
        if sample.name == sample_name
    }


def test_each_version_recorder_labels_its_own_stations_series() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(registry, generator_label="mixed")
    v16 = metrics.recorder("1.6", stations_configured=4)
    v201 = metrics.recorder("2.0.1", stations_configured=6)
    v16.call_succeeded("Heartbeat", 0.002)
    v16.call_succeeded("Heartbeat", 0.003)
    v201.call_succeeded("Heartbeat", 0.004)
    v16.transaction_started()
    v201.station_connected()
    v201.station_booted()
    v201.call_failed("TransactionEvent", "InternalError", 0.1)

    def value(name: str, version: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, {"ocpp_version": version, **labels})

    duration = "ocpp_fleet_ocpp_request_duration_seconds_count"
    assert value(duration, "1.6", action="Heartbeat", outcome="ok") == 2
    assert value(duration, "2.0.1", action="Heartbeat", outcome="ok") == 1
    messages = "ocpp_fleet_ocpp_messages_total"
    assert value(messages, "1.6", action="Heartbeat", direction="sent") == 2
    assert value(messages, "2.0.1", action="Heartbeat", direction="sent") == 1
    assert value(messages, "2.0.1", action="TransactionEvent", direction="received") == 1
    assert value(
        "ocpp_fleet_ocpp_call_errors_total", "2.0.1", action="TransactionEvent", code="InternalError"
    )
    assert value("ocpp_fleet_transactions_started_total", "1.6") == 1
    assert value("ocpp_fleet_transactions_started_total", "2.0.1") == 0
    assert value("ocpp_fleet_stations_configured", "1.6") == 4
    assert value("ocpp_fleet_stations_configured", "2.0.1") == 6
    assert value("ocpp_fleet_stations", "1.6", state="connecting") == 4
    assert value("ocpp_fleet_stations", "2.0.1", state="booted") == 1
    assert value("ocpp_fleet_stations", "2.0.1", state="connecting") == 5
    for name in (duration, messages, "ocpp_fleet_stations", "ocpp_fleet_stations_configured"):
        assert versions_of(registry, name) == {"1.6", "2.0.1"}, name


def test_the_generator_health_is_one_series_with_the_fleet_label() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(registry, generator_label="mixed")
    v16 = metrics.recorder("1.6")
    v201 = metrics.recorder("2.0.1")
    v16.timer_fired(0.003)
    v201.timer_fired(0.001)
    metrics.generator_sampled(0.5, 0.02, 3)

    for name in GENERATOR_SERIES:
        assert versions_of(registry, name) == {"mixed"}, name
    assert registry.get_sample_value("ocpp_fleet_generator_lag_seconds_count", {"ocpp_version": "mixed"}) == 2
    assert registry.get_sample_value("ocpp_fleet_generator_busy_ratio", {"ocpp_version": "mixed"}) == 0.5


def test_a_recorder_made_on_a_registry_is_a_single_version_fleet() -> None:
    registry = CollectorRegistry()
    recorder = PrometheusRecorder(registry, ocpp_version="1.6", stations_configured=3)
    recorder.timer_fired(0.001)
    recorder.generator_sampled(0.1, 0.0, 0)

    assert recorder.metrics.generator_label == "1.6"
    for name in (*GENERATOR_SERIES, "ocpp_fleet_stations_configured", "ocpp_fleet_reconnects_total"):
        assert versions_of(registry, name) == {"1.6"}, name


def test_one_recorder_per_version() -> None:
    metrics = PrometheusMetrics(CollectorRegistry(), generator_label="mixed")
    metrics.recorder("1.6")
    with pytest.raises(ValueError, match=r"OCPP 1\.6"):
        metrics.recorder("1.6")
