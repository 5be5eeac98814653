"""`fleet run --workers/--csms-workers/--source-addresses` and `fleet csms --workers`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial

import trio

from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.csms import CsmsConfig, run_csms_workers
from fleet.engine import (
    JobResult,
    RunJob,
    TooManyStations,
    parse_source_addresses,
    run_scaled,
)
from fleet.processes import tune_gc_for_long_runs


def _source_addresses(text: str) -> tuple[str, ...]:
    try:
        return parse_source_addresses(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_run_scale_options(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group("scaling out")
    group.add_argument(
        "--workers",
        type=arg.positive_int,
        default=None,
        metavar="N",
        help="worker processes the stations are split over (default: 1 below 5,000 stations, "
        "else one per CPU, more if the open-file limit requires)",
    )
    group.add_argument(
        "--csms-workers",
        type=arg.positive_int,
        default=None,
        metavar="N",
        help="with --workers > 1 and no --csms: processes of the embedded CSMS (default: as --workers)",
    )
    group.add_argument(
        "--source-addresses",
        type=_source_addresses,
        default=(),
        metavar="SPEC",
        help="source IPs the stations connect from, round robin: a count (8 = 127.0.0.1-127.0.0.8), "
        "a range (127.0.0.1-127.0.0.8) or a list (default: automatic for loopback targets past "
        "20,000 stations, one more address per 20,000)",
    )


def add_csms_scale_options(csms: argparse.ArgumentParser) -> None:
    csms.add_argument(
        "--workers",
        type=arg.positive_int,
        default=1,
        metavar="N",
        help="processes accepting on the same port (SO_REUSEPORT; default 1)",
    )


def run_job_scaled(
    job: RunJob, ns: argparse.Namespace, progress: Callable[[str, float], None] | None
) -> JobResult | None:
    """Run the job as `fleet run` ARGS asked; None (after saying why) if it cannot start."""
    tune_gc_for_long_runs()
    try:
        return trio.run(
            partial(
                run_scaled, job, workers=ns.workers, csms_workers_count=ns.csms_workers, progress=progress
            )
        )
    except TooManyStations as exc:
        print(f"fleet run: error: {exc}", file=sys.stderr)
        return None


def serve_csms_workers(ns: argparse.Namespace, config: CsmsConfig) -> int:
    tune_gc_for_long_runs()
    try:
        trio.run(run_csms_workers, config, ns.host, ns.port, ns.workers)
    except OSError as exc:
        print(f"fleet csms: cannot listen on {ns.host}:{ns.port}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK
