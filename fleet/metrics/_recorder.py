"""What one run measured: per-action call outcomes and latencies, stations, transactions, errors.

Plain strings and numbers in, plain dicts out, no clock inside: the shell passes ``now`` where
time matters, so the same recorder serves real, virtual and test time.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from fleet.metrics._error_log import ErrorData, ErrorLog
from fleet.metrics._generator_health import GeneratorHealth
from fleet.metrics._histogram import LatencyHistogram
from fleet.metrics._latency_digest import latency_digest
from fleet.metrics._percentile_curve import add_percentile_curves
from fleet.metrics._plain_data import from_plain, to_plain
from fleet.metrics._tally import BoundedTally

DROPPED_LIMIT = 100  # distinct (action, reason) pairs kept for dropped messages


class Snapshot(msgspec.Struct, frozen=True):
    """The running totals a progress line shows. ``errors`` = error events + failed calls."""

    connected: int
    connected_peak: int
    booted: int
    messages_sent: int
    errors: int
    transactions_active: int
    reconnects: int


class _ActionData(msgspec.Struct, forbid_unknown_fields=True):
    sent: int
    ok: int
    errors: int
    errors_by_code: dict[str, int]
    ok_latency: dict[str, Any]
    error_latency: dict[str, Any]


class _RequestData(msgspec.Struct, forbid_unknown_fields=True):
    answered: int
    errors: int
    errors_by_code: dict[str, int]


class _RecorderData(msgspec.Struct, forbid_unknown_fields=True):
    """A recorder's full state as plain data: what a shard process ships to its parent."""

    actions: dict[str, _ActionData]
    requests: dict[str, _RequestData]
    errors: list[ErrorData]
    dropped: list[tuple[str, str, int]]
    messages_sent: int
    error_events: int
    calls_failed: int
    connected: int
    connected_peak: int
    booted: int
    reconnects: int
    transactions_started: int
    transactions_ended: int
    energy_wh: float  # metered: every reading's register growth
    energy_ended_wh: float = 0.0  # the energy of the transactions that ended
    generator: dict[str, Any] | None = None  # absent in data from before generator health


class _ActionStats:
    """Calls of one action the stations sent to the CSMS."""

    __slots__ = ("error_latency", "errors", "errors_by_code", "ok", "ok_latency", "sent")

    def __init__(self) -> None:
        self.sent = 0
        self.ok = 0
        self.errors = 0
        self.errors_by_code: dict[str, int] = {}
        self.ok_latency = LatencyHistogram()
        self.error_latency = LatencyHistogram()

    def merge(self, other: _ActionStats) -> None:
        self.sent += other.sent
        self.ok += other.ok
        self.errors += other.errors
        _add_counts(self.errors_by_code, other.errors_by_code)
        self.ok_latency.merge(other.ok_latency)
        self.error_latency.merge(other.error_latency)

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "ok": self.ok,
            "errors": self.errors,
            "in_flight": self.sent - self.ok - self.errors,
            "latency_ms": latency_digest(self.ok_latency),
            "error_latency_ms": latency_digest(self.error_latency),
            "errors_by_code": dict(sorted(self.errors_by_code.items())),
        }


class _RequestStats:
    """Requests of one action the CSMS sent and the stations answered."""

    __slots__ = ("answered", "errors", "errors_by_code")

    def __init__(self) -> None:
        self.answered = 0
        self.errors = 0
        self.errors_by_code: dict[str, int] = {}

    def merge(self, other: _RequestStats) -> None:
        self.answered += other.answered
        self.errors += other.errors
        _add_counts(self.errors_by_code, other.errors_by_code)

    def summary(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "errors": self.errors,
            "errors_by_code": dict(sorted(self.errors_by_code.items())),
        }


class RunRecorder:
    """Collects one run's measurements; ``merge`` adds another recorder's (e.g. a shard's).

    Calls: ``call_sent`` when a CALL goes out (optional), then ``call_succeeded`` or
    ``call_failed``. ``sent`` counts both; an outcome without a ``call_sent`` counts as sent
    too, so ``sent == ok + errors + in_flight`` always holds. Per action, use ``call_sent``
    for every call or for none: mixed, a call still in flight can hide an unannounced one.
    """

    def __init__(self) -> None:
        self._actions: dict[str, _ActionStats] = {}
        self._requests: dict[str, _RequestStats] = {}
        self._errors = ErrorLog()
        self._dropped = BoundedTally(DROPPED_LIMIT)
        self._messages_sent = 0
        self._error_events = 0
        self._calls_failed = 0
        self._connected = 0
        self._connected_peak = 0
        self._booted = 0
        self._reconnects = 0
        self._tx_started = 0
        self._tx_ended = 0
        self._energy_wh = 0.0  # as metered (EnergyMetered readings), ended or still charging
        self._energy_ended_wh = 0.0  # of ended transactions only
        self._generator = GeneratorHealth()
        self._rate_mark: tuple[float, int] | None = None
        self._last_rate = 0.0

    # -- calls the stations sent ------------------------------------------------------------

    def _action(self, action: str) -> _ActionStats:
        stats = self._actions.get(action)
        if stats is None:
            stats = self._actions[action] = _ActionStats()
        return stats

    def call_sent(self, action: str) -> None:
        self._action(action).sent += 1
        self._messages_sent += 1

    def call_succeeded(self, action: str, latency_s: float) -> None:
        stats = self._action(action)
        stats.ok_latency.record(latency_s)
        stats.ok += 1
        self._count_unannounced(stats)

    def call_failed(self, action: str, error_code: str, latency_s: float) -> None:
        stats = self._action(action)
        stats.error_latency.record(latency_s)
        stats.errors += 1
        stats.errors_by_code[error_code] = stats.errors_by_code.get(error_code, 0) + 1
        self._calls_failed += 1
        self._count_unannounced(stats)

    def _count_unannounced(self, stats: _ActionStats) -> None:
        # A shell that never calls call_sent still gets consistent sent/in_flight numbers.
        if stats.ok + stats.errors > stats.sent:
            stats.sent += 1
            self._messages_sent += 1

    # -- requests the CSMS sent -------------------------------------------------------------

    def request_answered(self, action: str, error_code: str | None) -> None:
        stats = self._requests.get(action)
        if stats is None:
            stats = self._requests[action] = _RequestStats()
        stats.answered += 1
        if error_code is not None:
            stats.errors += 1
            stats.errors_by_code[error_code] = stats.errors_by_code.get(error_code, 0) + 1
        self._messages_sent += 1  # the answer is a frame the station sent

    # -- everything else --------------------------------------------------------------------

    def error(
        self, kind: str, message: str, *, station_id: str | None = None, at_s: float | None = None
    ) -> None:
        """An error of ``kind``; ``message`` names no station (``station_id`` says which one met
        it), ``at_s`` is when, in seconds since the run started (None: not known)."""
        self._errors.add(kind, message, station_id=station_id, at_s=at_s)
        self._error_events += 1

    def message_dropped(self, action: str, reason: str) -> None:
        self._dropped.add(action, reason)

    def station_connected(self) -> None:
        self._connected += 1
        if self._connected > self._connected_peak:
            self._connected_peak = self._connected

    def station_disconnected(self) -> None:
        if self._connected == 0:
            raise ValueError("station_disconnected() called while no station is connected")
        self._connected -= 1

    def station_booted(self) -> None:
        self._booted += 1

    def reconnect(self) -> None:
        self._reconnects += 1

    def transaction_started(self) -> None:
        self._tx_started += 1

    def transaction_ended(self, energy_wh: float) -> None:
        if not (energy_wh >= 0.0 and math.isfinite(energy_wh)):
            raise ValueError(f"transaction energy must be a finite number of Wh >= 0, got {energy_wh!r}")
        self._tx_ended += 1
        self._energy_ended_wh += energy_wh

    def energy_metered(self, wh: float) -> None:
        """A meter reading went out: ``wh`` is its register's growth since the previous one."""
        self._energy_wh += wh

    # -- the generator's own health -------------------------------------------------------

    def timer_fired(self, lateness_s: float) -> None:
        """A station timer ran ``lateness_s`` real seconds after the event loop could have run it."""
        self._generator.timer_fired(lateness_s)

    def timers_fired(self, lateness: LatencyHistogram) -> None:
        """Many station timers' lateness at once (the reactor folds them per second)."""
        self._generator.timers_fired(lateness)

    def generator_cost(
        self, cpu_s: float, seconds: float, stations: int, rss_growth_bytes: int, *, includes_csms: bool
    ) -> None:
        """The generator process's CPU time and RSS growth over the run (its self-check)."""
        self._generator.cost(cpu_s, seconds, stations, rss_growth_bytes, includes_csms=includes_csms)

    def generator_sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None:
        """About once a second: CPU busy fraction, lag of the sampling tick, CALLs queued."""
        self._generator.sampled(busy_fraction, loop_lag_s, calls_waiting)

    # -- reading ----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return Snapshot(
            connected=self._connected,
            connected_peak=self._connected_peak,
            booted=self._booted,
            messages_sent=self._messages_sent,
            errors=self._error_events + self._calls_failed,
            # a station may end a transaction begun before this recorder existed
            transactions_active=max(0, self._tx_started - self._tx_ended),
            reconnects=self._reconnects,
        )

    def latency(self, action: str | None = None) -> LatencyHistogram:
        """Latencies of the calls of ``action`` (all actions if None), successful and failed
        together, merged exactly: what a threshold on a percentile is checked against."""
        merged = LatencyHistogram()
        for name, stats in self._actions.items():
            if action is None or name == action:
                merged.merge(stats.ok_latency)
                merged.merge(stats.error_latency)
        return merged

    def call_counts(self, action: str | None = None) -> tuple[int, int, int]:
        """(sent, ok, failed) calls of ``action``, or of all actions if None."""
        sent = ok = failed = 0
        for name, stats in self._actions.items():
            if action is None or name == action:
                sent += stats.sent
                ok += stats.ok
                failed += stats.errors
        return sent, ok, failed

    def rate(self, now: float) -> float:
        """Messages sent per second since the previous ``rate`` call (0.0 on the first call,
        which only sets the starting mark; the previous rate again if ``now`` has not moved)."""
        if self._rate_mark is None:
            self._rate_mark = (now, self._messages_sent)
            return 0.0
        then, sent_then = self._rate_mark
        if now <= then:
            return self._last_rate
        self._last_rate = (self._messages_sent - sent_then) / (now - then)
        self._rate_mark = (now, self._messages_sent)
        return self._last_rate

    def summary(
        self,
        *,
        ocpp_version: str,
        duration_s: float,
        stations_configured: int,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The run's result as plain JSON-ready data (the keys later checks rely on are stable)."""
        result: dict[str, Any] = {
            "ocpp_version": ocpp_version,
            "duration_s": duration_s,
            "stations": {
                "configured": stations_configured,
                "connected_peak": self._connected_peak,
                "connected_at_end": self._connected,
                "booted": self._booted,
                "reconnects": self._reconnects,
            },
            "messages_sent": self._messages_sent,
            "actions": {name: self._actions[name].summary() for name in sorted(self._actions)},
            "csms_requests": {name: self._requests[name].summary() for name in sorted(self._requests)},
            "transactions": {
                "started": self._tx_started,
                "ended": self._tx_ended,
                "energy_kwh": round(self._energy_wh / 1000.0, 3),
                "energy_ended_kwh": round(self._energy_ended_wh / 1000.0, 3),
            },
            "errors": self._errors.rows(),
            "messages_dropped": [
                {"action": action, "reason": reason, "count": n}
                for action, reason, n in self._dropped.most_common()
            ],
            "generator": {
                **self._generator.summary(),
                "cost": self._generator.cost_summary(self._messages_sent),
            },
        }
        add_percentile_curves(result, {name: self.latency(name) for name in self._actions})
        if extra:
            clashes = sorted(result.keys() & extra.keys())
            if clashes:
                raise ValueError(
                    f"summary extra keys {clashes} would overwrite measured results; rename them"
                )
            result.update(extra)
        return result

    def merge(self, other: RunRecorder) -> None:
        """Add ``other``'s measurements (``other`` is unchanged).

        Exact for every count and histogram. ``connected_peak`` becomes the sum of both peaks:
        an upper bound, since the two peaks need not have happened at the same moment. Past a
        kind's cap on distinct error messages, which ones it keeps by name depends on merge order.
        """
        for name, stats in other._actions.items():
            self._action(name).merge(stats)
        for name, request in other._requests.items():
            self._requests.setdefault(name, _RequestStats()).merge(request)
        self._errors.merge(other._errors)
        self._dropped.merge(other._dropped)
        self._messages_sent += other._messages_sent
        self._error_events += other._error_events
        self._calls_failed += other._calls_failed
        self._connected += other._connected
        self._connected_peak += other._connected_peak
        self._booted += other._booted
        self._reconnects += other._reconnects
        self._tx_started += other._tx_started
        self._tx_ended += other._tx_ended
        self._energy_wh += other._energy_wh
        self._energy_ended_wh += other._energy_ended_wh
        self._generator.merge(other._generator)

    def to_dict(self) -> dict[str, Any]:
        """Everything measured so far as JSON-ready data (not the ``rate`` mark), for shipping
        a shard's recorder to the parent, which rebuilds it with ``from_dict`` and merges it."""
        data = _RecorderData(
            actions={
                name: _ActionData(
                    sent=stats.sent,
                    ok=stats.ok,
                    errors=stats.errors,
                    errors_by_code=dict(stats.errors_by_code),
                    ok_latency=stats.ok_latency.to_dict(),
                    error_latency=stats.error_latency.to_dict(),
                )
                for name, stats in self._actions.items()
            },
            requests={
                name: _RequestData(
                    answered=stats.answered, errors=stats.errors, errors_by_code=dict(stats.errors_by_code)
                )
                for name, stats in self._requests.items()
            },
            errors=self._errors.to_data(),
            dropped=self._dropped.most_common(),
            messages_sent=self._messages_sent,
            error_events=self._error_events,
            calls_failed=self._calls_failed,
            connected=self._connected,
            connected_peak=self._connected_peak,
            booted=self._booted,
            reconnects=self._reconnects,
            transactions_started=self._tx_started,
            transactions_ended=self._tx_ended,
            energy_wh=self._energy_wh,
            energy_ended_wh=self._energy_ended_wh,
            generator=self._generator.to_dict(),
        )
        return to_plain(data)

    @classmethod
    def from_dict(cls, data: Any) -> RunRecorder:
        """Rebuild a recorder from ``to_dict`` output; ValueError says which field is wrong."""
        parsed = from_plain(data, _RecorderData, "recorder")
        recorder = cls()
        for name, action in parsed.actions.items():
            stats = recorder._action(name)
            stats.sent, stats.ok, stats.errors = action.sent, action.ok, action.errors
            stats.errors_by_code = dict(action.errors_by_code)
            stats.ok_latency = LatencyHistogram.from_dict(action.ok_latency)
            stats.error_latency = LatencyHistogram.from_dict(action.error_latency)
        for name, request in parsed.requests.items():
            restored = recorder._requests[name] = _RequestStats()
            restored.answered, restored.errors = request.answered, request.errors
            restored.errors_by_code = dict(request.errors_by_code)
        recorder._errors = ErrorLog.from_data(parsed.errors)
        for action_name, reason, n in parsed.dropped:
            recorder._dropped.add(action_name, reason, n)
        recorder._messages_sent = parsed.messages_sent
        recorder._error_events = parsed.error_events
        recorder._calls_failed = parsed.calls_failed
        recorder._connected = parsed.connected
        recorder._connected_peak = parsed.connected_peak
        recorder._booted = parsed.booted
        recorder._reconnects = parsed.reconnects
        recorder._tx_started = parsed.transactions_started
        recorder._tx_ended = parsed.transactions_ended
        recorder._energy_wh = parsed.energy_wh
        recorder._energy_ended_wh = parsed.energy_ended_wh
        if parsed.generator is not None:
            recorder._generator = GeneratorHealth.from_dict(parsed.generator)
        return recorder


def _add_counts(into: dict[str, int], other: dict[str, int]) -> None:
    for key, n in other.items():
        into[key] = into.get(key, 0) + n
