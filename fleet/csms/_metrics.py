"""The embedded CSMS's own Prometheus metrics (``ocpp_fleet_csms_*``), in a registry the caller injects.

Most of them are read from the ledger when Prometheus scrapes, so the server's hot path gains
only one call per message (frame counters and the handling-time histogram).

The exporter serves scrapes from a thread while trio mutates the ledger: the collector copies
each dict or set with one C-level call (``dict(...)``, ``list(...)``, ``len(...)``), which the GIL
makes atomic, and never iterates live containers in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from fleet.csms._ledger import Ledger
from fleet.metrics import REQUEST_DURATION_BUCKETS, disable_created_series

# The CSMS's own handling time of one message (arrival to answer written, any response delay
# included): usually far below 1 ms, so the fleet's latency buckets (a call's round trip, from
# 0.1 ms to 30 s) with a finer one in front.
HANDLING_BUCKETS = (0.00005, *REQUEST_DURATION_BUCKETS)


class _LedgerCollector(Collector):
    def __init__(self, ledger: Ledger, stations_connected: Callable[[], int]) -> None:
        self._ledger = ledger
        self._stations_connected = stations_connected

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        ledger = self._ledger
        received = CounterMetricFamily(
            "ocpp_fleet_csms_messages_received",
            "Station-initiated CALLs the CSMS received and decoded, by action",
            labels=["action"],
        )
        for action, count in sorted(dict(ledger.messages_by_action).items()):
            received.add_metric([action], count)
        yield received
        errors = CounterMetricFamily(
            "ocpp_fleet_csms_protocol_errors",
            "Frames the CSMS refused or could not use, by OCPP error code",
            labels=["code"],
        )
        for code, count in sorted(dict(ledger.protocol_errors).items()):
            errors.add_metric([code], count)
        yield errors
        yield GaugeMetricFamily(
            "ocpp_fleet_csms_stations_connected", "Stations connected now", value=self._stations_connected()
        )
        yield GaugeMetricFamily(
            "ocpp_fleet_csms_stations_booted",
            "Stations that sent a BootNotification",
            value=len(ledger.stations_booted),
        )
        records = list(ledger.transactions.values())
        yield GaugeMetricFamily(
            "ocpp_fleet_csms_transactions_open",
            "Transactions started and not yet ended",
            value=sum(1 for record in records if record.started and not record.ended),
        )

    def describe(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        yield CounterMetricFamily("ocpp_fleet_csms_messages_received", "", labels=["action"])
        yield CounterMetricFamily("ocpp_fleet_csms_protocol_errors", "", labels=["code"])
        for name in ("stations_connected", "stations_booted", "transactions_open"):
            yield GaugeMetricFamily(f"ocpp_fleet_csms_{name}", "")


class CsmsMetrics:
    """What the server reports per message; the rest comes from the ledger at scrape time."""

    def __init__(
        self, registry: CollectorRegistry, ledger: Ledger, stations_connected: Callable[[], int]
    ) -> None:
        disable_created_series()
        self._frames_received = Counter(
            "ocpp_fleet_csms_frames_received", "WebSocket messages received from stations", registry=registry
        )
        self._frames_sent = Counter(
            "ocpp_fleet_csms_answers_sent",
            "Frames sent in answer to station messages (CALLRESULTs and CALLERRORs)",
            registry=registry,
        )
        self._handling = Histogram(
            "ocpp_fleet_csms_request_handling_seconds",
            "Time from a station's message arriving to the CSMS's answer being written "
            "(includes any configured response delay)",
            buckets=HANDLING_BUCKETS,
            registry=registry,
        )
        registry.register(_LedgerCollector(ledger, stations_connected))

    def message_handled(self, answers_sent: int, seconds: float) -> None:
        self._frames_received.inc()
        if answers_sent:
            self._frames_sent.inc(answers_sent)
            self._handling.observe(seconds)
