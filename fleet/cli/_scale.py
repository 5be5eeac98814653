"""`fleet run --workers/--csms-workers/--source-addresses` and `fleet csms --workers`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import trio

from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.csms import CsmsConfig, run_csms_workers
from fleet.engine import (
    JobResult,
    RunJob,
    Segment,
    TooManyStations,
    mergeable_part,
    parse_source_addresses,
    run_scaled,
)
from fleet.processes import tune_gc_for_long_runs


def _source_addresses(text: str) -> tuple[str, ...]:
    try:
        return parse_source_addresses(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _segment(text: str) -> Segment:
    try:
        return Segment.parse(text)
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
    group.add_argument(
        "--segment",
        type=_segment,
        default=None,
        metavar="K/N",
        help="run the K-th of N disjoint segments of the fleet (--stations is the whole fleet's): N "
        "processes on N machines run the one-machine fleet, same ids and seeds; `fleet merge` "
        "combines their --out files (README: Past one machine)",
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
    segment: Segment | None = ns.segment
    if segment is not None:
        if segment.of > job.fleet.stations:
            print(
                f"fleet run: error: --segment {segment.index}/{segment.of}: {segment.of} segments of "
                f"--stations {job.fleet.stations} leave a segment without stations",
                file=sys.stderr,
            )
            return None
        job = replace(job, fleet=replace(job.fleet, segment=segment))
    tune_gc_for_long_runs()
    utc_at_zero = time.time()
    try:
        result = trio.run(
            partial(
                run_scaled, job, workers=ns.workers, csms_workers_count=ns.csms_workers, progress=progress
            )
        )
    except TooManyStations as exc:
        print(f"fleet run: error: {exc}", file=sys.stderr)
        return None
    if segment is not None and result.summary is not None:
        result.summary["segment"] = segment.to_dict()
        result.summary["mergeable"] = mergeable_part(job, result, utc_at_zero)
    return result


def serve_csms_workers(ns: argparse.Namespace, config: CsmsConfig) -> int:
    tune_gc_for_long_runs()
    try:
        trio.run(run_csms_workers, config, ns.host, ns.port, ns.workers)
    except OSError as exc:
        print(f"fleet csms: cannot listen on {ns.host}:{ns.port}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK
