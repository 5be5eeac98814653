"""``fleet run --metrics-port``: one registry for the run, its Prometheus recorders, the exporter.

The embedded CSMS (when the run starts one) registers its ``ocpp_fleet_csms_*`` metrics in the same
registry, so one scrape target shows both sides of the conversation.

One recorder per OCPP version the process's stations speak: a mixed fleet's stations report to
their own version's recorder, so every per-station series says ``1.6`` or ``2.0.1``; the
generator's health is the process's and carries the fleet's label (``mixed``), see
fleet.metrics._prometheus.

With ``--workers``, each worker exports its own stations; when one dies, the parent serves its port
in its place (``dead_worker_export``), so a scrape shows that worker's stations disconnected and its
death counted, rather than a target that just went away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import trio
from prometheus_client import CollectorRegistry

from fleet.metrics import MetricsExporter, PrometheusMetrics, PrometheusRecorder, publish_run_info

WORKER_DIED = "worker_died"  # the error kind of a dead worker (result and Prometheus)


class MetricsExport:
    """Listening from construction (raises ``MetricsPortUnavailable``) until ``serve`` is cancelled;
    with ``port`` None, only recording into ``registry`` (for whoever reads it: tests).

    ``stations_by_version``: the stations this process runs, per OCPP version that gets series
    (one version for a single-version fleet, both for a mixed one). ``ocpp_version`` labels the
    generator's health: the version, or "mixed". ``run_info``: the labels of
    ``ocpp_fleet_run_info`` (none: no such series); every worker of a sharded run publishes the same.
    """

    def __init__(
        self,
        host: str,
        port: int | None,
        *,
        stations_by_version: Mapping[str, int],
        ocpp_version: str = "2.0.1",
        registry: CollectorRegistry | None = None,
        run_info: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.metrics = PrometheusMetrics(self.registry, generator_label=ocpp_version)
        if run_info:
            publish_run_info(self.registry, run_info)
        self.recorders: dict[str, PrometheusRecorder] = {
            version: self.metrics.recorder(version, stations_configured=count)
            for version, count in stations_by_version.items()
        }
        # last: the exporter's thread may scrape from here on
        self.exporter = MetricsExporter(self.registry, host, port) if port is not None else None

    async def serve(self) -> None:
        """Keep exporting until cancelled: run it in the run's nursery so the exporter stops
        with the run however it ends."""
        try:
            await trio.sleep_forever()
        finally:
            if self.exporter is not None:
                # shutting the server down waits for its poll loop (up to 0.5 s): off the event loop
                with trio.CancelScope(shield=True):
                    await trio.to_thread.run_sync(self.exporter.close)


def dead_worker_export(
    host: str,
    port: int,
    *,
    stations_by_version: Mapping[str, int],
    ocpp_version: str,
    booted: int,
    death: str,
    run_info: Sequence[tuple[str, str]] = (),
) -> MetricsExport:
    """What the parent serves on a dead worker's port (raises ``MetricsPortUnavailable``): its
    stations, none connected (``booted`` of them, the ones its last report had booted, show as
    offline; in a mixed fleet counted against the versions in turn), one ``worker_died`` error, and
    the run's ``ocpp_fleet_run_info`` as the worker published it."""
    export = MetricsExport(
        host, None, stations_by_version=stations_by_version, ocpp_version=ocpp_version, run_info=run_info
    )
    left = booted
    for version, recorder in export.recorders.items():
        for _ in range(min(left, stations_by_version[version])):
            recorder.station_booted()
            left -= 1
    next(iter(export.recorders.values())).error(WORKER_DIED, death)
    export.exporter = MetricsExporter(export.registry, host, port)  # filled in before the first scrape
    return export
