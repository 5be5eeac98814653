"""One shard of ``fleet run --workers N``: a trio engine running its slice of the station ids.

Started by the parent (fleet.engine._shards) as ``fleet.engine._worker:main``, a child of
fleet.processes. It gets a ``ShardSpec``, runs ``run_job`` on the stations of
``job.fleet.indices``, sends its recorder (``RunRecorder.to_dict``) about once a second, and a
last time when it stops.

Messages to the parent: ``("progress", recorder_dict)`` and
``("final", recorder_dict, {"exit_code", "failure", "duration_s", "interrupted", "by_version", ...})``
(``by_version``: a mixed fleet's recorders per OCPP version, as dicts).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import trio

from fleet.engine._job import RunJob, run_job
from fleet.engine._limits import raise_open_file_limit
from fleet.metrics import RunRecorder
from fleet.processes import ParentChannel, cancel_when_orphaned, run_child

REPORT_INTERVAL_S = 1.0


@dataclass(frozen=True, slots=True)
class ShardSpec:
    job: RunJob  # job.fleet.indices is this shard's slice; csms_url is set
    index: int


async def _report_every_second(recorder: RunRecorder, channel: ParentChannel) -> None:
    while True:
        await trio.sleep(REPORT_INTERVAL_S)
        # shielded: a send cancelled half-way (the run ending while a big report waits for the
        # pipe) would leave a partial frame that corrupts the final report after it
        with trio.CancelScope(shield=True):
            await channel.send(("progress", recorder.to_dict()))


async def _stop_on_signal(signals: AsyncIterator[int], scope: trio.CancelScope) -> None:
    async for _ in signals:
        scope.cancel()
        return


async def run_shard(spec: ShardSpec, channel: ParentChannel) -> None:
    recorder = RunRecorder()
    started = trio.current_time()
    outcome: dict[str, Any] = {"exit_code": None, "failure": None, "interrupted": True}
    # run_fleet listens for SIGINT/SIGTERM itself while the fleet runs (and stops it cleanly);
    # this receiver, opened first, catches one that comes before or after, which would otherwise
    # kill the process before it could send its measurements
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_stop_on_signal, signals, nursery.cancel_scope)
            nursery.start_soon(cancel_when_orphaned, nursery.cancel_scope)
            nursery.start_soon(_report_every_second, recorder, channel)
            result = await run_job(spec.job, recorder=recorder)
            summary = result.summary or {}
            outcome = {
                "exit_code": result.exit_code,
                "failure": result.failure,
                "interrupted": bool(summary.get("interrupted", False)),
                "drain": summary.get("drain"),
                "deflate": summary.get("deflate"),
                "timeseries": summary.get("timeseries"),
                "by_version": {version: r.to_dict() for version, r in result.by_version.items()},
            }
            nursery.cancel_scope.cancel()
        outcome["duration_s"] = trio.current_time() - started
        with contextlib.suppress(trio.BrokenResourceError):  # the parent is gone: nobody to tell
            await channel.send(("final", recorder.to_dict(), outcome))


def main() -> None:
    raise_open_file_limit()
    run_child(run_shard, long_run=True)
