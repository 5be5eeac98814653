"""A CSMS that accepts the WebSocket and never answers (issue 17, finding 4): the action table
showed 20 BootNotification Timeouts and 0 of 20 stations booted while the summary said
``errors: none`` and the run exited 0. The errors line must name what the table shows, and a run
whose stations never booted is not a success."""

from __future__ import annotations

import trio
import trio.testing

from fleet.engine import EXIT_NOT_BOOTED, FleetConfig, RunJob, run_job
from fleet.metrics import format_summary
from support.silent_csms import serve_silent_csms


async def test_stations_that_never_booted_are_named_and_fail_the_run(
    autojump_clock: trio.testing.MockClock, nursery: trio.Nursery
) -> None:
    url = await serve_silent_csms(nursery)
    job = RunJob(fleet=FleetConfig(csms_url=url, stations=20, duration_s=40, ramp_per_s=20, seed=1))
    with trio.fail_after(300):
        result = await run_job(job)

    summary = result.summary
    assert summary is not None
    assert result.exit_code == EXIT_NOT_BOOTED
    assert summary["stations"]["booted"] == 0
    assert summary["actions"]["BootNotification"]["errors_by_code"] == {"Timeout": 20}
    (line,) = [line for line in format_summary(summary).splitlines() if line.startswith("errors:")]
    assert summary["drain"]["left_unsent"] == 0  # the simple driver queues nothing before its boot
    assert line == "errors: 20 CALLs failed (Timeout 20); 20 of 20 stations never booted"
