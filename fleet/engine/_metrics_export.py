"""``fleet run --metrics-port``: one registry for the run, its Prometheus recorder, the exporter.

The embedded CSMS (when the run starts one) registers its ``ocpp_fleet_csms_*`` metrics in the same
registry, so one scrape target shows both sides of the conversation.
"""

from __future__ import annotations

import trio
from prometheus_client import CollectorRegistry

from fleet.metrics import MetricsExporter, PrometheusRecorder


class MetricsExport:
    """Listening from construction (raises ``MetricsPortUnavailable``) until ``serve`` is cancelled."""

    def __init__(
        self, host: str, port: int, *, stations_configured: int, ocpp_version: str = "2.0.1"
    ) -> None:
        self.registry = CollectorRegistry()
        self.recorder = PrometheusRecorder(
            self.registry, ocpp_version=ocpp_version, stations_configured=stations_configured
        )
        self.exporter = MetricsExporter(self.registry, host, port)

    async def serve(self) -> None:
        """Keep exporting until cancelled: run it in the run's nursery so the exporter stops
        with the run however it ends."""
        try:
            await trio.sleep_forever()
        finally:
            # shutting the server down waits for its poll loop (up to 0.5 s): off the event loop
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(self.exporter.close)
