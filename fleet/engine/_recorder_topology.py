"""Where a job's stations report: which recorders a run has and how one event fans out to them.

Every event reaches ``reports``: the run's totals (``run``), the time series the report plots and,
with Prometheus, the series of the fleet's one OCPP version. A mixed fleet also keeps results per
OCPP version: its stations report to their version's fan-out (``for_version``), which is
``reports`` plus the version's own results (``by_version``) and Prometheus series. Those series
then sit only in the per-version fan-outs, so the process-wide generator health (the monitor's
samples, the timer lateness folded once a second) reaches Prometheus through ``reports``' health.
"""

from __future__ import annotations

import trio
from prometheus_client import CollectorRegistry

from fleet.connection import Recorder
from fleet.engine._fanout import RecorderFanout
from fleet.engine._metrics_export import MetricsExport
from fleet.engine._ocpp_mix import OcppMix
from fleet.metrics import PrometheusRecorder, RunRecorder, TimeSeries

_MIXED = "mixed"


class RecorderTopology:
    """The recorders of one job (one process: the whole fleet, or one shard's stations)."""

    def __init__(self, run: RunRecorder, ocpp_label: str, export: MetricsExport | None) -> None:
        mixed = ocpp_label == _MIXED
        self.run = run
        self.export = export
        self.timeseries = TimeSeries(trio.current_time)
        listeners: list[Recorder] = [run, self.timeseries]
        if export is not None and not mixed:
            listeners.append(export.recorders[ocpp_label])
        health = [export.metrics] if export is not None and mixed else []
        self.reports: Recorder = RecorderFanout(listeners, health=health)
        # a mixed fleet's measurements per OCPP version (empty for a single-version fleet)
        self.by_version = {version: RunRecorder() for version in ("1.6", "2.0.1")} if mixed else {}
        self._version_reports = {
            version: RecorderFanout([self.reports, results, *self._prometheus(version)])
            for version, results in self.by_version.items()
        }

    @classmethod
    def open(
        cls,
        run: RunRecorder,
        ocpp: OcppMix,
        stations: range,
        *,
        metrics_host: str,
        metrics_port: int | None,
        registry: CollectorRegistry | None,
        run_info: tuple[tuple[str, str], ...] = (),
    ) -> RecorderTopology:
        """The recorders of a job that runs ``stations`` (indices in the fleet), with Prometheus
        series when a port or a registry is given (and ``ocpp_fleet_run_info`` with ``run_info``'s
        labels); raises ``MetricsPortUnavailable``."""
        export: MetricsExport | None = None
        if metrics_port is not None or registry is not None:
            export = MetricsExport(
                metrics_host,
                metrics_port,
                stations_by_version=stations_per_series(ocpp, stations),
                ocpp_version=ocpp.label,  # labels the generator's health: "mixed" for a mixed fleet
                registry=registry,
                run_info=run_info,
            )
        return cls(run, ocpp.label, export)

    @property
    def registry(self) -> CollectorRegistry | None:
        """Where the run's Prometheus series are (the embedded CSMS adds its own); None: none."""
        return self.export.registry if self.export is not None else None

    def start_serving(self, nursery: trio.Nursery) -> None:
        """Export the Prometheus series until ``nursery`` is cancelled (nothing without them)."""
        if self.export is not None:
            nursery.start_soon(self.export.serve)

    def for_version(self, version: str) -> Recorder:
        """What a station speaking ``version`` reports to: its version's fan-out in a mixed fleet,
        ``reports`` otherwise (and for a version not known, "")."""
        return self._version_reports.get(version, self.reports)

    def _prometheus(self, version: str) -> list[PrometheusRecorder]:
        return [self.export.recorders[version]] if self.export is not None else []


def stations_per_series(ocpp: OcppMix, stations: range) -> dict[str, int]:
    """The stations of ``stations`` per OCPP version that gets Prometheus series: the fleet's one
    version, or both for a mixed fleet."""
    counts = ocpp.counts_of(stations)
    label = ocpp.label
    return counts if label == _MIXED else {label: counts[label]}
