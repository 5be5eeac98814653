"""Locust's statistics as Prometheus metrics, read at scrape time into a registry the caller injects.

On a master these statistics are already aggregated over the workers, so one scrape target
covers a distributed swarm. Locust keeps latencies per (type, name) only, not per outcome, and
in milliseconds rounded to 2 significant digits; the histogram is built from those. Locust clears
its statistics when a new swarm starts: the counters then reset, which Prometheus handles.

The labels are `fleet run`'s: ``ocpp_version`` (from Locust's Type column, "OCPP2.0.1" -> "2.0.1";
empty for the WebSocket rows, connection attempts and drops) and ``action`` (Locust's Name column:
the OCPP action, or "connect", "connection lost", ...), so one set of queries reads both modes.
No ``*_created`` series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from fleet.metrics import REQUEST_DURATION_BUCKETS, disable_created_series

_LABELS = ["ocpp_version", "action"]  # from Locust's Type and Name columns
_OCPP_TYPE_PREFIX = "OCPP"  # Locust's Type of an OCPP row: "OCPP2.0.1", "OCPP1.6"


class StatsEntry(Protocol):
    """The part of ``locust.stats.StatsEntry`` read here."""

    @property
    def name(self) -> str: ...
    @property
    def method(self) -> str | None: ...
    @property
    def num_requests(self) -> int: ...
    @property
    def num_failures(self) -> int: ...
    @property
    def total_response_time(self) -> float: ...  # ms
    @property
    def response_times(self) -> Mapping[int, int]: ...  # rounded ms -> count


class LocustStatsCollector(Collector):
    def __init__(self, entries: Callable[[], Iterable[StatsEntry]], users: Callable[[], int]) -> None:
        self._entries = entries
        self._users = users

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        requests = CounterMetricFamily(
            "ocpp_fleet_locust_requests",
            "Requests in Locust's statistics: OCPP CALLs of the stations by action, and WebSocket connects",
            labels=[*_LABELS, "outcome"],
        )
        durations = HistogramMetricFamily(
            "ocpp_fleet_locust_request_duration_seconds",
            "Response time in Locust's statistics (OCPP: from the intended send to the answer)",
            labels=_LABELS,
        )
        for entry in list(self._entries()):
            labels = series_labels(entry.method or "", entry.name)
            requests.add_metric([*labels, "ok"], entry.num_requests - entry.num_failures)
            requests.add_metric([*labels, "error"], entry.num_failures)
            durations.add_metric(
                labels, _cumulative_buckets(entry.response_times), entry.total_response_time / 1000.0
            )
        yield requests
        yield durations
        yield GaugeMetricFamily(
            "ocpp_fleet_locust_users", "Locust users running: simulated stations", self._users()
        )

    def describe(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        yield CounterMetricFamily("ocpp_fleet_locust_requests", "", labels=[*_LABELS, "outcome"])
        yield HistogramMetricFamily("ocpp_fleet_locust_request_duration_seconds", "", labels=_LABELS)
        yield GaugeMetricFamily("ocpp_fleet_locust_users", "")


def series_labels(request_type: str, name: str) -> list[str]:
    """(ocpp_version, action) of a row of Locust's statistics: "OCPP1.6" -> "1.6"; "" for a
    WebSocket row."""
    version = (
        request_type.removeprefix(_OCPP_TYPE_PREFIX) if request_type.startswith(_OCPP_TYPE_PREFIX) else ""
    )
    return [version, name]


def _cumulative_buckets(response_times_ms: Mapping[int, int]) -> list[tuple[str, float]]:
    ordered = sorted(response_times_ms.items())
    buckets: list[tuple[str, float]] = []
    count = 0
    index = 0
    for bound in REQUEST_DURATION_BUCKETS:
        while index < len(ordered) and ordered[index][0] <= bound * 1000.0:
            count += ordered[index][1]
            index += 1
        buckets.append((repr(bound), count))
    buckets.append(("+Inf", sum(n for _, n in ordered)))
    return buckets


def serve_locust_metrics(
    entries: Callable[[], Iterable[StatsEntry]], users: Callable[[], int], host: str, port: int
) -> CollectorRegistry:
    """Serve the metrics on http://host:port/metrics from a registry of their own (never the
    process-wide default); returns it."""
    disable_created_series()
    registry = CollectorRegistry()
    registry.register(LocustStatsCollector(entries, users))
    start_http_server(port, addr=host, registry=registry)
    return registry
