"""PrometheusRecorder: runner reports in, exact Prometheus samples out (an injected registry)."""

from __future__ import annotations

from functools import partial

import prometheus_client.metrics
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from fleet.metrics import PrometheusRecorder
from fleet.metrics._prometheus import ACTION_LIMIT, OTHER, REQUEST_DURATION_BUCKETS

V = {"ocpp_version": "2.0.1"}


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, {**V, **labels})


def test_a_successful_call_is_one_message_each_way_and_one_duration(registry: CollectorRegistry) -> None:
    recorder = PrometheusRecorder(registry)
    recorder.call_succeeded("TransactionEvent", 0.004)
    recorder.call_succeeded("TransactionEvent", 0.25)
    recorder.call_succeeded("Heartbeat", 0.001)

    def duration(suffix: str, **labels: str) -> float | None:
        return sample(
            registry, f"ocpp_fleet_ocpp_request_duration_seconds{suffix}", action="TransactionEvent", **labels
        )

    assert duration("_count", outcome="ok") == 2
    assert duration("_sum", outcome="ok") == pytest.approx(0.254)
    assert duration("_bucket", outcome="ok", le="0.005") == 1
    assert duration("_bucket", outcome="ok", le="0.2") == 1
    assert duration("_bucket", outcome="ok", le="0.3") == 2
    assert duration("_bucket", outcome="ok", le="+Inf") == 2
    for direction in ("sent", "received"):
        messages = partial(sample, registry, "ocpp_fleet_ocpp_messages_total", direction=direction)
        assert messages(action="TransactionEvent") == 2
        assert messages(action="Heartbeat") == 1


def test_buckets_span_a_tenth_of_a_millisecond_to_thirty_seconds() -> None:
    # issue 18: a loopback p50 of 0.5-1.8 ms needs buckets under 1 ms (the smallest was 1 ms)
    assert REQUEST_DURATION_BUCKETS[:4] == (0.0001, 0.00025, 0.0005, 0.001)
    assert REQUEST_DURATION_BUCKETS[-1] == 30.0
    assert list(REQUEST_DURATION_BUCKETS) == sorted(set(REQUEST_DURATION_BUCKETS))


def test_a_sub_millisecond_round_trip_lands_in_a_sub_millisecond_bucket(registry: CollectorRegistry) -> None:
    PrometheusRecorder(registry).call_succeeded("Heartbeat", 0.0004)
    bucket = partial(
        sample, registry, "ocpp_fleet_ocpp_request_duration_seconds_bucket", action="Heartbeat", outcome="ok"
    )
    assert (bucket(le="0.00025"), bucket(le="0.0005")) == (0, 1)


def test_a_call_error_was_received_but_a_timeout_was_not(registry: CollectorRegistry) -> None:
    recorder = PrometheusRecorder(registry)
    recorder.call_failed("Authorize", "InternalError", 0.01)
    recorder.call_failed("Authorize", "Timeout", 30.0)
    recorder.call_failed("Authorize", "ConnectionLost", 2.0)

    assert sample(registry, "ocpp_fleet_ocpp_messages_total", action="Authorize", direction="sent") == 3
    assert sample(registry, "ocpp_fleet_ocpp_messages_total", action="Authorize", direction="received") == 1
    for code in ("InternalError", "Timeout", "ConnectionLost"):
        assert sample(registry, "ocpp_fleet_ocpp_call_errors_total", action="Authorize", code=code) == 1
    duration = partial(sample, registry, action="Authorize")
    for outcome, seconds in (("error", 0.01), ("timeout", 30.0), ("connection_lost", 2.0)):
        assert duration("ocpp_fleet_ocpp_request_duration_seconds_sum", outcome=outcome) == seconds
    # no always-empty "ok" histogram for an action that never succeeded (its quantiles are NaN)
    assert duration("ocpp_fleet_ocpp_request_duration_seconds_count", outcome="ok") is None


def test_csms_initiated_requests_are_requested_and_answered_never_sent(registry: CollectorRegistry) -> None:
    """Issue 18: answers to the CSMS's CALLs were counted as CALLs sent (direction="sent"), and
    each such action had an always-empty latency histogram (NaN quantiles)."""
    recorder = PrometheusRecorder(registry)
    recorder.request_answered("RequestStartTransaction", None)
    recorder.request_answered("RequestStartTransaction", "NotSupported")

    def messages(direction: str) -> float | None:
        name = "ocpp_fleet_ocpp_messages_total"
        return sample(registry, name, action="RequestStartTransaction", direction=direction)

    assert (messages("requested"), messages("answered")) == (2, 2)
    assert (messages("sent"), messages("received")) == (None, None)
    histogram = [
        metric
        for metric in registry.collect()
        if metric.name == "ocpp_fleet_ocpp_request_duration_seconds"
        for item in metric.samples
        if item.labels.get("action") == "RequestStartTransaction"
    ]
    assert histogram == []


def test_transactions_energy_reconnects_errors_and_drops(registry: CollectorRegistry) -> None:
    recorder = PrometheusRecorder(registry)
    assert sample(registry, "ocpp_fleet_transactions_started_total") == 0  # present before the first event
    recorder.transaction_started()
    recorder.transaction_started()
    recorder.energy_metered(1000.0)
    recorder.energy_metered(500.0)
    recorder.energy_metered(250.0)  # a session still charging
    recorder.transaction_ended(1500.0)
    recorder.reconnect()
    recorder.error("connect_refused", "SIM-00001: refused")
    recorder.error("connect_refused", "SIM-00002: refused")
    recorder.message_dropped("TransactionEvent", "RetriesExhausted")

    assert sample(registry, "ocpp_fleet_transactions_started_total") == 2
    assert sample(registry, "ocpp_fleet_transactions_ended_total") == 1
    # issue 18: energy as metered, sessions still charging included; the ended ones' on their own
    assert sample(registry, "ocpp_fleet_energy_delivered_joules_total") == 1750.0 * 3600.0
    assert sample(registry, "ocpp_fleet_energy_ended_transactions_joules_total") == 1500.0 * 3600.0
    assert sample(registry, "ocpp_fleet_reconnects_total") == 1
    assert sample(registry, "ocpp_fleet_errors_total", kind="connect_refused") == 2
    assert sample(registry, "ocpp_fleet_messages_dropped_total", action="TransactionEvent") == 1


def test_station_states_partition_the_configured_fleet(registry: CollectorRegistry) -> None:
    recorder = PrometheusRecorder(registry, stations_configured=10)

    def states() -> dict[str, float | None]:
        return {
            state: sample(registry, "ocpp_fleet_stations", state=state)
            for state in ("connecting", "booted", "offline", "charging")
        }

    assert states() == {"connecting": 10, "booted": 0, "offline": 0, "charging": 0}
    for _ in range(4):
        recorder.station_connected()
    for _ in range(3):
        recorder.station_booted()
    recorder.transaction_started()
    # one station is connected but its boot is not accepted yet: still connecting
    assert states() == {"connecting": 7, "booted": 3, "offline": 0, "charging": 1}
    recorder.station_disconnected()
    recorder.station_disconnected()
    # four were up once, two are connected now (by count, not by id: see the module docstring)
    assert states() == {"connecting": 7, "booted": 2, "offline": 1, "charging": 1}
    assert sample(registry, "ocpp_fleet_stations_configured") == 10


def test_generator_health(registry: CollectorRegistry) -> None:
    recorder = PrometheusRecorder(registry)
    recorder.timer_fired(0.003)
    recorder.timer_fired(-0.0001)  # a clock round trip a hair early is on time
    recorder.generator_sampled(0.42, 0.012, 7)

    assert sample(registry, "ocpp_fleet_generator_lag_seconds_count") == 2
    assert sample(registry, "ocpp_fleet_generator_lag_seconds_sum") == pytest.approx(0.003)
    assert sample(registry, "ocpp_fleet_generator_lag_seconds_bucket", le="0.0025") == 1
    assert sample(registry, "ocpp_fleet_generator_busy_ratio") == 0.42
    assert sample(registry, "ocpp_fleet_generator_loop_lag_seconds") == 0.012
    assert sample(registry, "ocpp_fleet_generator_calls_waiting") == 7


def test_the_ocpp_version_label_is_the_one_given(registry: CollectorRegistry) -> None:
    recorder = PrometheusRecorder(registry, ocpp_version="1.6")
    recorder.call_succeeded("Heartbeat", 0.002)
    labels = {"ocpp_version": "1.6", "action": "Heartbeat", "direction": "sent"}
    assert registry.get_sample_value("ocpp_fleet_ocpp_messages_total", labels) == 1
    assert sample(registry, "ocpp_fleet_ocpp_messages_total", action="Heartbeat", direction="sent") is None


def test_label_values_a_peer_invents_are_bounded(registry: CollectorRegistry) -> None:
    recorder = PrometheusRecorder(registry)
    for number in range(100):
        recorder.call_failed("Heartbeat", f"Weird-{number}", 0.01)
    extra = 5
    for number in range(ACTION_LIMIT - 1 + extra):  # Heartbeat was the first action
        recorder.request_answered(f"Made-up-{number}", "NotImplemented")

    actions = {
        metric.labels["action"]
        for family in registry.collect()
        if family.name == "ocpp_fleet_ocpp_messages"
        for metric in family.samples
        if metric.name == "ocpp_fleet_ocpp_messages_total"
    }
    assert len(actions) == ACTION_LIMIT + 1
    assert sample(registry, "ocpp_fleet_ocpp_messages_total", action=OTHER, direction="requested") == extra
    codes = {
        metric.labels["code"]
        for family in registry.collect()
        if family.name == "ocpp_fleet_ocpp_call_errors"
        for metric in family.samples
    }
    assert OTHER in codes
    assert len(codes) < 100


def test_two_recorders_keep_to_their_own_registries() -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    PrometheusRecorder(first).reconnect()
    PrometheusRecorder(second)
    assert first.get_sample_value("ocpp_fleet_reconnects_total", V) == 1
    assert second.get_sample_value("ocpp_fleet_reconnects_total", V) == 0


def test_no_created_series(registry: CollectorRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: ``*_created`` series doubled the counters and histograms (prometheus_client's
    default, which the test restores first)."""
    monkeypatch.setattr(prometheus_client.metrics, "_use_created", True)
    recorder = PrometheusRecorder(registry)
    recorder.call_succeeded("Heartbeat", 0.002)
    recorder.reconnect()
    assert "_created" not in generate_latest(registry).decode()
