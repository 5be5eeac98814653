"""Reading a run's summary (``RunRecorder.summary()``, the ``--out`` JSON) in assertions."""

from __future__ import annotations

from typing import Any


def summary_errors(summary: dict[str, Any]) -> list[Any]:
    """The run's errors and each action that had failed calls (with its codes): [] for a clean run,
    and a readable assertion message otherwise."""
    failed_calls: list[Any] = [
        (name, stats["errors"], stats.get("errors_by_code"))
        for name, stats in summary["actions"].items()
        if stats["errors"]
    ]
    return failed_calls + list(summary["errors"])
