"""One recorder that forwards every report to several (the run's totals, Prometheus, time series).

The station runners report to one object; what listens is the job's business. Explicit methods
rather than ``__getattr__`` so mypy checks each forward against the ``Recorder`` protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from fleet.connection import Recorder
from fleet.engine._health import CostRecorder, FoldedLatenessRecorder, HealthRecorder
from fleet.metrics import LatencyHistogram


@runtime_checkable
class LeaveRecorder(Protocol):
    """Tells a planned leave (a --stages ramp-down closing a station) from a lost connection: the
    connected count goes down, but no outage window opens. A recorder without it hears
    ``station_disconnected`` (its count is all it keeps)."""

    def station_left(self) -> None: ...


def station_left(recorder: Recorder) -> None:
    """``recorder`` hears that a connected station left the fleet by plan."""
    if isinstance(recorder, LeaveRecorder):
        recorder.station_left()
    else:
        recorder.station_disconnected()


class RecorderFanout:
    """Forwards each call, in order, to every recorder given."""

    def __init__(self, recorders: Sequence[Recorder], *, health: Sequence[HealthRecorder] = ()) -> None:
        self._recorders = tuple(recorders)
        # the monitor's samples go only to the recorders that take them, and to ``health``: those
        # that take nothing else (a mixed fleet's Prometheus generator health)
        self._health: tuple[HealthRecorder, ...] = (
            *(recorder for recorder in recorders if isinstance(recorder, HealthRecorder)),
            *health,
        )
        # folded timer lateness is generator health too: it also reaches ``health``
        self._lateness_only = tuple(item for item in health if isinstance(item, FoldedLatenessRecorder))

    def call_succeeded(self, action: str, latency_s: float) -> None:
        for recorder in self._recorders:
            recorder.call_succeeded(action, latency_s)

    def call_failed(self, action: str, error_code: str, latency_s: float) -> None:
        for recorder in self._recorders:
            recorder.call_failed(action, error_code, latency_s)

    def request_answered(self, action: str, error_code: str | None) -> None:
        for recorder in self._recorders:
            recorder.request_answered(action, error_code)

    def error(
        self, kind: str, message: str, *, station_id: str | None = None, at_s: float | None = None
    ) -> None:
        for recorder in self._recorders:
            recorder.error(kind, message, station_id=station_id, at_s=at_s)

    def station_connected(self) -> None:
        for recorder in self._recorders:
            recorder.station_connected()

    def station_disconnected(self) -> None:
        for recorder in self._recorders:
            recorder.station_disconnected()

    def station_left(self) -> None:
        for recorder in self._recorders:
            station_left(recorder)

    def station_booted(self) -> None:
        for recorder in self._recorders:
            recorder.station_booted()

    def reconnect(self) -> None:
        for recorder in self._recorders:
            recorder.reconnect()

    def transaction_started(self) -> None:
        for recorder in self._recorders:
            recorder.transaction_started()

    def transaction_ended(self, energy_wh: float) -> None:
        for recorder in self._recorders:
            recorder.transaction_ended(energy_wh)

    def energy_metered(self, wh: float) -> None:
        for recorder in self._recorders:
            recorder.energy_metered(wh)

    def message_dropped(self, action: str, reason: str) -> None:
        for recorder in self._recorders:
            recorder.message_dropped(action, reason)

    def timer_fired(self, lateness_s: float) -> None:
        for recorder in self._recorders:
            recorder.timer_fired(lateness_s)

    def generator_cost(
        self, cpu_s: float, seconds: float, stations: int, rss_growth_bytes: int, *, includes_csms: bool
    ) -> None:
        for recorder in self._recorders:
            if isinstance(recorder, CostRecorder):
                recorder.generator_cost(
                    cpu_s, seconds, stations, rss_growth_bytes, includes_csms=includes_csms
                )

    def timers_fired(self, lateness: LatencyHistogram) -> None:
        for only in self._lateness_only:
            only.timers_fired(lateness)
        for recorder in self._recorders:
            if isinstance(recorder, FoldedLatenessRecorder):
                recorder.timers_fired(lateness)
            else:
                for seconds, count in lateness.buckets():
                    for _ in range(count):
                        recorder.timer_fired(seconds)

    def generator_sampled(self, busy_fraction: float, loop_lag_s: float, calls_waiting: int) -> None:
        for recorder in self._health:
            recorder.generator_sampled(busy_fraction, loop_lag_s, calls_waiting)
