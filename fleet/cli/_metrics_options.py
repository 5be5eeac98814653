"""``--metrics-port`` / ``--metrics-host`` for `fleet run` and `fleet csms`: the Prometheus exporter."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry

from fleet.cli import _arguments as arg
from fleet.metrics import DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, MetricsExporter


def add_metrics_options(
    parser: argparse.ArgumentParser, *, suggested_port: int = DEFAULT_METRICS_PORT
) -> None:
    group = parser.add_argument_group("Prometheus")
    group.add_argument(
        "--metrics-port",
        type=arg.port,
        default=None,
        metavar="PORT",
        help=f"serve Prometheus metrics at http://HOST:PORT/metrics (off unless given; "
        f"dashboards/prometheus.yml scrapes {suggested_port})",
    )
    group.add_argument(
        "--metrics-host",
        default=DEFAULT_METRICS_HOST,
        metavar="HOST",
        help=f"listen address of the metrics endpoint (default {DEFAULT_METRICS_HOST}: loopback only; "
        "0.0.0.0 exposes it to the network)",
    )


def announce_metrics(ns: argparse.Namespace, command: str) -> None:
    if ns.metrics_port is not None:
        host = f"[{ns.metrics_host}]" if ":" in ns.metrics_host else ns.metrics_host
        print(f"{command}: Prometheus metrics at http://{host}:{ns.metrics_port}/metrics", file=sys.stderr)


@contextmanager
def csms_metrics(ns: argparse.Namespace) -> Iterator[CollectorRegistry | None]:
    """The registry `fleet csms` exports while the block runs (None without --metrics-port).
    Raises ``MetricsPortUnavailable`` when the port is taken."""
    if ns.metrics_port is None:
        yield None
        return
    registry = CollectorRegistry()
    with MetricsExporter(registry, ns.metrics_host, ns.metrics_port):
        announce_metrics(ns, "fleet csms")
        yield registry
