"""Serve a registry at ``http://HOST:PORT/metrics`` for Prometheus to scrape.

prometheus_client's own server runs in a daemon thread. That is deliberate: it is the
reference implementation of the exposition (content negotiation, OpenMetrics, gzip), a slow
scraper then cannot stall the trio loop that drives the stations, and the client's metric
objects are guarded by locks for exactly this reader/writer split. Collectors that read trio-owned
state (station counts, the CSMS ledger) take atomic snapshots of it, see their comments.
"""

from __future__ import annotations

import errno
import threading
from types import TracebackType
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, disable_created_metrics, start_http_server

DEFAULT_METRICS_HOST = "127.0.0.1"
DEFAULT_METRICS_PORT = 9464  # OpenTelemetry's Prometheus exporter port: free on most hosts


def disable_created_series() -> None:
    """No ``*_created`` series next to counters and histograms (they double the series count and
    no dashboard reads them). prometheus_client's switch is process-wide and read at scrape time:
    whatever builds or serves one of our registries calls this first."""
    disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it untyped


class MetricsPortUnavailable(OSError):
    """The exporter could not listen where it was asked to."""


class MetricsExporter:
    """A running exporter; ``close()`` (or leaving the ``with`` block) stops it."""

    def __init__(self, registry: CollectorRegistry, host: str = DEFAULT_METRICS_HOST, port: int = 0) -> None:
        disable_created_series()
        try:
            self._server, self._thread = start_http_server(port, host, registry=registry)
        except OSError as exc:
            reason = (
                "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
            )
            raise MetricsPortUnavailable(
                f"cannot serve Prometheus metrics on {host}:{port}: {reason}; "
                "choose another --metrics-port (or --metrics-host)",
            ) from exc
        self.host = host
        self.port: int = self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        server: WSGIServer = self._server
        thread: threading.Thread = self._thread
        server.shutdown()  # returns once serve_forever has stopped (it polls every 0.5 s)
        server.server_close()
        thread.join(timeout=5.0)

    def __enter__(self) -> MetricsExporter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
