"""MetricsExporter: the registry over HTTP on loopback, and a clear error when the port is taken."""

from __future__ import annotations

import socket
import urllib.request

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from fleet.metrics import MetricsExporter, MetricsPortUnavailable, PrometheusRecorder

HTTP_TIMEOUT_S = 10.0


def test_the_exporter_serves_the_injected_registry_only(unused_port: int) -> None:
    registry = CollectorRegistry()
    PrometheusRecorder(registry, stations_configured=3).call_succeeded("Heartbeat", 0.002)
    with MetricsExporter(registry, "127.0.0.1", unused_port) as exporter:
        assert exporter.url == f"http://127.0.0.1:{unused_port}/metrics"
        with urllib.request.urlopen(exporter.url, timeout=HTTP_TIMEOUT_S) as response:
            text = response.read().decode()

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    version = ("ocpp_version", "2.0.1")
    heartbeats_sent = (("action", "Heartbeat"), ("direction", "sent"), version)
    assert samples[("ocpp_fleet_ocpp_messages_total", heartbeats_sent)] == 1
    assert samples[("ocpp_fleet_stations", (version, ("state", "connecting")))] == 3
    # the global default registry (process_*, python_gc_*) is not what was injected
    assert not any(name.startswith(("process_", "python_")) for name, _ in samples)


def test_port_zero_picks_a_free_port() -> None:
    with MetricsExporter(CollectorRegistry(), "127.0.0.1", 0) as exporter:
        assert exporter.port > 0


def test_a_taken_port_is_a_clear_error(unused_port: int) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", unused_port))
        taken.listen()
        with pytest.raises(MetricsPortUnavailable) as caught:
            MetricsExporter(CollectorRegistry(), "127.0.0.1", unused_port)
    message = str(caught.value)
    assert f"127.0.0.1:{unused_port}" in message
    assert "already in use" in message
    assert "--metrics-port" in message
