"""Reading a run's summary (``RunRecorder.summary()``, the ``--out`` JSON) in assertions."""

from __future__ import annotations

from typing import Any

import trio


def summary_errors(summary: dict[str, Any]) -> list[Any]:
    """The run's errors and each action that had failed calls (with its codes): [] for a clean run,
    and a readable assertion message otherwise."""
    failed_calls: list[Any] = [
        (name, stats["errors"], stats.get("errors_by_code"))
        for name, stats in summary["actions"].items()
        if stats["errors"]
    ]
    return failed_calls + list(summary["errors"])


async def run_cleanly_in_process(argv: list[str], *, timeout_s: float) -> dict[str, Any]:
    """``fleet <argv>`` built as the CLI builds it and run in this trio run (MockClock time when
    the test has one); asserts exit code 0 and no errors, returns the summary."""
    # imported here: the schema-only support modules do not need the whole fleet
    from fleet.cli import build_parser
    from fleet.cli._run import job_from_arguments
    from fleet.engine import run_job

    with trio.fail_after(timeout_s):
        result = await run_job(job_from_arguments(build_parser().parse_args(argv)))
    summary = result.summary
    assert result.exit_code == 0 and summary is not None
    assert summary_errors(summary) == []
    return summary
