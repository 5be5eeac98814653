"""The ready locustfile `fleet locust` runs: simulated OCPP stations against the CSMS at --host.

    fleet locust --host ws://127.0.0.1:9000/ocpp                      # web UI on :8089
    fleet locust --headless -u 20 -r 5 -t 60s                         # against the embedded CSMS
    fleet locust --headless -u 100 -r 10 -t 60s --host ws://...       # headless
    locust -f "$(python -c 'import fleet.locust as f; print(f.LOCUSTFILE)')" ...   # the same

Without --host the embedded CSMS is started (`fleet csms --port 0`, a child process) and stopped
when Locust ends. Each user is one station (StationUser); the --fleet-* options (profile, OCPP
version, id prefix, speed, seed, security profile and credentials) are in the web UI's start form
too. --fleet-shape picks a load shape.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from locust import events
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.runners import MasterRunner, Runner, WorkerRunner

from fleet.identity import warn_if_insecure
from fleet.locust import _load_curves as curves
from fleet.locust._embedded_csms import EmbeddedCsms, EmbeddedCsmsError
from fleet.locust._options import FleetOptionError, FleetOptions, add_fleet_arguments
from fleet.locust._preflight import check_reachable
from fleet.locust._prometheus import serve_locust_metrics
from fleet.locust._shapes import FleetShape
from fleet.locust._user import StationUser

__all__ = ["FleetShape", "StationUser"]

_log = logging.getLogger("fleet.locust")


def _add_arguments(parser: LocustArgumentParser) -> None:
    add_fleet_arguments(parser)


def _on_init(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return  # a worker gets its options (and the host) from the master with every spawn
    try:
        options = FleetOptions.from_parsed(environment.parsed_options)
        _set_target(environment, options)
        if options.shape == "rush-hour":
            curves.arrival_curve(options.load_profile())
    except (FleetOptionError, EmbeddedCsmsError) as exc:
        sys.exit(f"fleet locust: error: {exc}")
    warn_if_insecure(options.security())
    if options.shape == "none":
        environment.shape_class = None  # Locust's own --users and --spawn-rate
    else:
        _log.info("load shape %s (--users is the peak)", options.shape)
    if options.metrics_port and environment.runner is not None:
        _serve_metrics(environment, environment.runner, options)


def _set_target(environment: Environment, options: FleetOptions) -> None:
    """Check --host (its form, the security profile, that something listens there), or, without
    one, start the embedded CSMS for the length of the run, as `fleet run` does."""
    if environment.host:
        options.check_target(environment.host)
        _check_reachable(environment)
        return
    if options.security_profile:
        raise FleetOptionError(
            f"--fleet-security-profile {options.security_profile} needs --host: the embedded CSMS "
            "started without one accepts plain ws:// only"
        )
    csms = EmbeddedCsms.start()
    environment.host = csms.url
    print(f"fleet locust: no --host: started the embedded CSMS at {csms.url}", file=sys.stderr, flush=True)

    def stop_csms(**_: Any) -> None:
        print(f"fleet locust: {csms.stop()}", file=sys.stderr, flush=True)

    environment.events.quit.add_listener(stop_csms)  # type: ignore[no-untyped-call]


def _check_reachable(environment: Environment) -> None:
    """Something listens at --host, or the swarm does not start (with --headless or --autostart);
    with the web UI, --host is only the form's default: a warning."""
    assert environment.host is not None
    parsed = environment.parsed_options
    try:
        check_reachable(environment.host)
    except FleetOptionError as exc:
        if parsed is not None and (parsed.headless or parsed.autostart):
            raise
        print(f"fleet locust: warning: {exc}; the web UI's Host field can change it", file=sys.stderr)


def _serve_metrics(environment: Environment, runner: Runner, options: FleetOptions) -> None:
    serve_locust_metrics(
        lambda: environment.stats.entries.values(),
        lambda: runner.user_count,
        options.metrics_host,
        options.metrics_port,
    )
    role = "master, aggregated over the workers" if isinstance(runner, MasterRunner) else "stand-alone"
    _log.info(
        "Prometheus metrics on http://%s:%d/metrics (%s)",
        options.metrics_host,
        options.metrics_port,
        role,
    )


# Locust's EventHook.add_listener is unannotated
events.init_command_line_parser.add_listener(_add_arguments)  # type: ignore[no-untyped-call]
events.init.add_listener(_on_init)  # type: ignore[no-untyped-call]
