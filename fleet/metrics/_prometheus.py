"""The station runners' reports as Prometheus metrics, in a registry the caller injects.

Metric names follow the Prometheus conventions: base units (seconds, joules), ``_total`` on
counters, and an ``ocpp_version`` label on every series so fleets of different protocol versions
can share one Prometheus. Label values come from bounded sets (actions, error codes, error kinds,
station states); a station id is never a label, so the series count does not grow with the fleet.

Which version a series carries:

- per-station series (request durations, messages, call errors, stations by state, configured
  stations, transactions, energy, reconnects, errors, drops) carry the version the reporting
  stations speak, ``1.6`` or ``2.0.1``, in a mixed fleet too: the families are registered once
  (``PrometheusMetrics``) and each version's stations report to their own ``PrometheusRecorder``;
- the generator-health series (``ocpp_fleet_generator_*``: timer lateness, busy ratio, loop lag,
  CALLs waiting) describe the one process that runs every station, so each is one series labelled
  with the fleet's label, ``mixed`` for a mixed fleet. Splitting them by version would invent a
  per-version figure that does not exist (both versions share one event loop and one CPU).

A single-version fleet's series are the same either way.

Energy is exported in joules, the Prometheus base unit; divide by 3.6e6 for kWh (the dashboard
does). ``ocpp_fleet_energy_delivered_joules_total`` counts energy as the stations meter it (each
meter reading adds the register's growth since the EVSE's previous one, so a run full of sessions
still charging shows their energy); ``ocpp_fleet_energy_ended_transactions_joules_total`` counts the
energy of each transaction when it ends.

``ocpp_fleet_stations{state}`` is computed at scrape time from counts, because the runner reports
carry no station id:

- ``booted``: connected stations whose boot was accepted, ``min(connected, ever booted)``;
- ``offline``: stations that booted once and are disconnected now, ``max(0, ever booted - connected)``;
- ``connecting``: the rest of the configured stations (ramping up, handshaking, boot pending);
- ``charging``: stations with an active transaction, approximated by the number of active
  transactions (exact with one EVSE per station, an upper bound with more). It overlaps
  ``booted`` and ``offline`` (a station charges on while its connection is down).

``connecting + booted + offline`` is the configured fleet.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from fleet.metrics._exporter import disable_created_series
from fleet.metrics._histogram import LatencyHistogram

# A call's round trip from its intended send time (network, CSMS and any generator lateness):
# 0.1 ms .. 30 s, sub-millisecond in front (a loopback round trip's p50 is 0.5-1.8 ms), denser
# around the usual SLO thresholds (100 ms, 300 ms, 1 s) so that histogram_quantile interpolates
# within a narrow bucket there. `fleet run` and the Locust exporter share this one list.
# (The embedded CSMS times only its own handling: fleet.csms adds a finer bucket in front.)
REQUEST_DURATION_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.3,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    20.0,
    30.0,
)
# a station timer's lateness: 1 ms late is healthy; 1 s late means the generator is saturated
GENERATOR_LAG_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# distinct values kept per label before further ones are folded into "other": OCPP 2.0.1 has 64
# actions and 12 RPC error codes; a peer that sends made-up ones must not blow up the series count
ACTION_LIMIT = 80
CODE_LIMIT = 24
KIND_LIMIT = 32
OTHER = "other"

# CallFailed codes that are the station's own verdict, not a CALLERROR from the CSMS
_LOCAL_OUTCOMES = {"Timeout": "timeout", "ConnectionLost": "connection_lost"}
_JOULES_PER_WH = 3600.0
_METERED_ENERGY_DOC = (
    "Energy as the stations metered it: each meter reading's growth of the energy register, "
    "transactions still charging included (J; kWh = J / 3.6e6)"
)
_ENDED_ENERGY_DOC = "Energy of the transactions that ended, counted when each ends (J; kWh = J / 3.6e6)"


class _BoundedLabel:
    """Passes label values through until ``limit`` distinct ones were seen, then says "other"."""

    __slots__ = ("_limit", "_seen")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) >= self._limit:
            return OTHER
        self._seen.add(value)
        return value


class _ActionSeries:
    """One action's hot-path series: the ``ok`` duration child (made at the first success, so an
    action that never succeeds has no always-empty histogram), and message counts kept as plain
    ints (exported at scrape time) because a locked Counter.inc costs as much as the rest.
    ``answered``: the CSMS's CALLs of this action the stations answered (each one received too)."""

    __slots__ = ("answered", "durations", "ok", "received", "sent")

    def __init__(self) -> None:
        self.durations: dict[str, Histogram] = {}
        self.ok: Histogram | None = None
        self.sent = 0
        self.received = 0
        self.answered = 0

    def duration(self, duration: Histogram, version: str, action: str, outcome: str) -> Histogram:
        child = self.durations.get(outcome)
        if child is None:
            child = self.durations[outcome] = duration.labels(version, action, outcome)
        return child


class _ScrapeTimeMetrics(Collector):
    """``ocpp_fleet_ocpp_messages_total`` and ``ocpp_fleet_stations{state}``, built from the
    recorders' plain counts when Prometheus scrapes (one collector for all versions' recorders)."""

    def __init__(self, metrics: PrometheusMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        # the exporter's thread reads ints the trio thread writes: each read is atomic, the
        # dicts are copied in one C call, and a scrape that sees one count a report older than
        # another is off by one for one scrape
        recorders = self._metrics.recorders()
        messages = CounterMetricFamily(
            "ocpp_fleet_ocpp_messages",
            "OCPP messages from the stations' side, by direction: sent (the stations' CALLs), "
            "received (the CSMS's answers to them), requested (CALLs of the CSMS received), "
            "answered (the stations' answers to those)",
            labels=["ocpp_version", "action", "direction"],
        )
        for recorder in recorders:
            version = recorder.ocpp_version
            for action, series in sorted(dict(recorder.actions).items()):
                if series.sent:
                    messages.add_metric([version, action, "sent"], series.sent)
                    messages.add_metric([version, action, "received"], series.received)
                if series.answered:
                    messages.add_metric([version, action, "requested"], series.answered)
                    messages.add_metric([version, action, "answered"], series.answered)
        yield messages
        family = GaugeMetricFamily(
            "ocpp_fleet_stations",
            "Simulated stations by state (connecting + booted + offline = configured; "
            "charging overlaps booted and offline)",
            labels=["ocpp_version", "state"],
        )
        for recorder in recorders:
            version = recorder.ocpp_version
            configured = recorder.stations_configured
            connected = recorder.connected
            booted_once = recorder.booted_once
            booted = min(connected, booted_once)
            offline = max(0, booted_once - connected)
            family.add_metric([version, "connecting"], max(0, configured - booted - offline))
            family.add_metric([version, "booted"], booted)
            family.add_metric([version, "offline"], offline)
            family.add_metric([version, "charging"], max(0, recorder.transactions_active))
        yield family
        configured_family = GaugeMetricFamily(
            "ocpp_fleet_stations_configured",
            "Stations the run is configured to simulate",
            labels=["ocpp_version"],
        )
        for recorder in recorders:
            configured_family.add_metric([recorder.ocpp_version], recorder.stations_configured)
        yield configured_family

    def describe(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        # a fixed description lets the registry check for duplicate names without collecting
        yield CounterMetricFamily(
            "ocpp_fleet_ocpp_messages", "", labels=["ocpp_version", "action", "direction"]
        )
        yield GaugeMetricFamily("ocpp_fleet_stations", "", labels=["ocpp_version", "state"])
        yield GaugeMetricFamily("ocpp_fleet_stations_configured", "", labels=["ocpp_version"])


class PrometheusMetrics:
    """The fleet's metric families, registered once in ``registry`` (never the global default one),
    and the generator's health.

    Per-station series are written by one recorder per OCPP version (``recorder``), each labelling
    them with its version. The generator-health series (timer lateness, busy ratio, loop lag, CALLs
    waiting) describe the process, so there is one of each, labelled ``generator_label``: the
    fleet's label, ``mixed`` for a mixed fleet.
    """

    def __init__(self, registry: CollectorRegistry, *, generator_label: str = "2.0.1") -> None:
        disable_created_series()
        self.generator_label = generator_label
        self._recorders: dict[str, PrometheusRecorder] = {}

        def counter(name: str, doc: str, *labels: str) -> Counter:
            return Counter(name, doc, ["ocpp_version", *labels], registry=registry)

        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(name, doc, ["ocpp_version"], registry=registry).labels(generator_label)

        self.duration = Histogram(
            "ocpp_fleet_ocpp_request_duration_seconds",
            "Time from the intended send of a CALL a station made to its answer (or failure)",
            ["ocpp_version", "action", "outcome"],
            buckets=REQUEST_DURATION_BUCKETS,
            registry=registry,
        )
        self.call_errors = counter(
            "ocpp_fleet_ocpp_call_errors",
            "CALLs of the stations that failed: CALLERROR code from the CSMS, Timeout or ConnectionLost",
            "action",
            "code",
        )
        self.errors = counter("ocpp_fleet_errors", "Errors of the generator by kind", "kind")
        self.dropped = counter(
            "ocpp_fleet_messages_dropped",
            "Messages the stations gave up on (retries, queue overflow)",
            "action",
        )
        self.lag = Histogram(
            "ocpp_fleet_generator_lag_seconds",
            "How late the generator's timers fired: the generator's own health",
            ["ocpp_version"],
            buckets=GENERATOR_LAG_BUCKETS,
            registry=registry,
        ).labels(generator_label)
        self._busy = gauge(
            "ocpp_fleet_generator_busy_ratio",
            "CPU seconds of the generator process per wall-clock second, sampled each second",
        )
        self._loop_lag = gauge(
            "ocpp_fleet_generator_loop_lag_seconds",
            "How late the generator's once-a-second sampling tick woke up",
        )
        self._calls_waiting = gauge(
            "ocpp_fleet_generator_calls_waiting", "CALLs waiting in the stations' send queues"
        )
        self.tx_started = counter("ocpp_fleet_transactions_started", "Transactions started")
        self.tx_ended = counter("ocpp_fleet_transactions_ended", "Transactions ended")
        self.energy = counter("ocpp_fleet_energy_delivered_joules", _METERED_ENERGY_DOC)
        self.energy_ended = counter("ocpp_fleet_energy_ended_transactions_joules", _ENDED_ENERGY_DOC)
        self.reconnects = counter(
            "ocpp_fleet_reconnects", "Connection attempts after the first (after a failure or a drop)"
        )
        registry.register(_ScrapeTimeMetrics(self))

    def recorder(self, ocpp_version: str, *, stations_configured: int = 0) -> PrometheusRecorder:
        """The recorder the stations speaking ``ocpp_version`` report to (one per version)."""
        return PrometheusRecorder(self, ocpp_version=ocpp_version, stations_configured=stations_configured)

    def recorders(self) -> list[PrometheusRecorder]:
        return list(self._recorders.values())

    def _add(self, recorder: PrometheusRecorder) -> None:
        if recorder.ocpp_version in self._recorders:
            # two recorders would export the same scrape-time series twice
            raise ValueError(f"a Prometheus recorder for OCPP {recorder.ocpp_version} exists already")
        self._recorders[recorder.ocpp_version] = recorder

    # -- the generator's health ------------------------------------------------------------------

    def timer_fired(self, lateness_s: float) -> None:
        """How late a station timer fired (0 when on time)."""
        self.lag.observe(max(0.0, lateness_s))

    def timers_fired(self, lateness: LatencyHistogram) -> None:
        """Many timers' lateness at once: each of our buckets replayed into Prometheus's."""
        for seconds, count in lateness.buckets():
            for _ in range(count):
                self.lag.observe(seconds)

    def generator_sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None:
        """About once a second (see fleet.engine's generator monitor)."""
        self._busy.set(busy_fraction)
        self._loop_lag.set(max(0.0, loop_lag_s))
        self._calls_waiting.set(calls_waiting)


class PrometheusRecorder:
    """A ``fleet.engine`` Recorder for the stations of one OCPP version: their series carry
    ``ocpp_version``; generator-health reports go to the shared ``PrometheusMetrics``.

    ``PrometheusRecorder(registry, ocpp_version=...)`` registers the families in ``registry`` with
    the generator's health labelled ``ocpp_version`` too (a single-version fleet);
    ``PrometheusMetrics.recorder`` makes one per version over families registered once.

    Series children are looked up once per label set and cached; a successful call costs a dict
    lookup, one ``observe`` and two int increments.
    """

    def __init__(
        self,
        registry: CollectorRegistry | PrometheusMetrics,
        *,
        ocpp_version: str = "2.0.1",
        stations_configured: int = 0,
    ) -> None:
        metrics = (
            registry
            if isinstance(registry, PrometheusMetrics)
            else PrometheusMetrics(registry, generator_label=ocpp_version)
        )
        self.metrics = metrics
        self.ocpp_version = ocpp_version
        self.stations_configured = stations_configured
        self.connected = 0
        self.booted_once = 0
        self.transactions_active = 0
        self._action = _BoundedLabel(ACTION_LIMIT)
        self._code = _BoundedLabel(CODE_LIMIT)
        self._kind = _BoundedLabel(KIND_LIMIT)
        self._duration = metrics.duration
        self._call_errors = metrics.call_errors
        self._errors = metrics.errors
        self._dropped = metrics.dropped
        self._lag = metrics.lag
        # unlabelled besides the version: created now so they read 0 rather than absent
        self._tx_started = metrics.tx_started.labels(ocpp_version)
        self._tx_ended = metrics.tx_ended.labels(ocpp_version)
        self._energy = metrics.energy.labels(ocpp_version)
        self._energy_ended = metrics.energy_ended.labels(ocpp_version)
        self._reconnects = metrics.reconnects.labels(ocpp_version)
        self._children: dict[tuple[object, ...], Counter] = {}
        # by label value (what the collector exports), and by the action as reported: the latter
        # caches only actions under their own name, so made-up ones cannot grow it
        self.actions: dict[str, _ActionSeries] = {}
        self._series_by_action: dict[str, _ActionSeries] = {}
        metrics._add(self)

    def _child(self, metric: Counter, *labels: str) -> Counter:
        key = (metric, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(self.ocpp_version, *labels)
        return child

    def _series(self, action: str) -> _ActionSeries:
        series = self._series_by_action.get(action)
        if series is None:
            label = self._action(action)
            series = self.actions.get(label)
            if series is None:
                series = self.actions[label] = _ActionSeries()
            if label == action:
                self._series_by_action[action] = series
        return series

    # -- the Recorder protocol -------------------------------------------------------------------

    def call_succeeded(self, action: str, latency_s: float) -> None:
        series = self._series(action)
        ok = series.ok
        if ok is None:
            ok = series.ok = series.duration(self._duration, self.ocpp_version, self._action(action), "ok")
        ok.observe(latency_s)
        series.sent += 1
        series.received += 1

    def call_failed(self, action: str, error_code: str, latency_s: float) -> None:
        series = self._series(action)
        label = self._action(action)
        outcome = _LOCAL_OUTCOMES.get(error_code)
        series.duration(self._duration, self.ocpp_version, label, outcome or "error").observe(latency_s)
        series.sent += 1
        if outcome is None:  # a CALLERROR came back; a timeout or a lost line brought nothing
            series.received += 1
        self._child(self._call_errors, label, self._code(error_code)).inc()

    def request_answered(self, action: str, error_code: str | None) -> None:
        # the CSMS's CALL and the station's answer: neither is a CALL the station sent
        self._series(action).answered += 1

    def error(
        self, kind: str, message: str, *, station_id: str | None = None, at_s: float | None = None
    ) -> None:
        # labelled by kind only: a message or a station id would make a series per station
        self._child(self._errors, self._kind(kind)).inc()

    def station_connected(self) -> None:
        self.connected += 1

    def station_disconnected(self) -> None:
        self.connected -= 1

    def station_booted(self) -> None:
        self.booted_once += 1

    def reconnect(self) -> None:
        self._reconnects.inc()

    def transaction_started(self) -> None:
        self.transactions_active += 1
        self._tx_started.inc()

    def transaction_ended(self, energy_wh: float) -> None:
        self.transactions_active -= 1
        self._tx_ended.inc()
        if energy_wh > 0.0:
            self._energy_ended.inc(energy_wh * _JOULES_PER_WH)

    def energy_metered(self, wh: float) -> None:
        self._energy.inc(wh * _JOULES_PER_WH)

    def message_dropped(self, action: str, reason: str) -> None:
        self._child(self._dropped, self._action(action)).inc()

    def timer_fired(self, lateness_s: float) -> None:
        """Generator health: how late a station timer fired (0 when on time), into the one
        lag histogram of the process (labelled with the generator's label, not this version)."""
        self._lag.observe(max(0.0, lateness_s))

    def timers_fired(self, lateness: LatencyHistogram) -> None:
        """Many timers' lateness at once: each of our buckets replayed into Prometheus's."""
        for seconds, count in lateness.buckets():
            for _ in range(count):
                self._lag.observe(seconds)

    def generator_sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None:
        """Generator health, about once a second (see fleet.engine's generator monitor)."""
        self.metrics.generator_sampled(busy_fraction, loop_lag_s, calls_waiting)
