"""How the run was made, for the top of the HTML report: from the results' ``run`` section
(version, command line, wall-clock start and end, simulated start, speed, tags, configuration),
or, for results written before it existed, from the top-level keys they have."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

Rows = list[tuple[str, str]]

_FROM_RUN = (
    ("version", "version"),
    ("started_at", "started (UTC)"),
    ("ended_at", "ended (UTC)"),
    ("sim_start", "simulated start"),
    ("speed", "speed"),
    ("host", "host"),
    ("python", "Python"),
)

_FALLBACK = (
    ("csms_url", "CSMS"),
    ("ocpp_version", "OCPP"),
    ("profile", "profile"),
    ("seed", "seed"),
    ("speed", "speed"),
)


def run_facts(summary: Mapping[str, Any]) -> dict[str, Any]:
    """``{"command": str | None, "facts": rows, "tags": rows, "config": rows}``, every value a
    string (the template escapes them)."""
    run = summary.get("run")
    if not isinstance(run, Mapping):
        return {"command": None, "facts": _fallback_facts(summary), "tags": [], "config": []}
    facts = [(label, _text(run[key])) for key, label in _FROM_RUN if run.get(key) is not None]
    command = run.get("command")
    tags = run.get("tags")
    config = run.get("config")
    return {
        "command": shlex.join(str(part) for part in command) if isinstance(command, list) else None,
        "facts": [*facts, ("measured duration", f"{summary.get('duration_s', 0):g} s")],
        "tags": sorted((str(k), _text(v)) for k, v in tags.items()) if isinstance(tags, Mapping) else [],
        "config": [(str(k), _text(v)) for k, v in config.items()] if isinstance(config, Mapping) else [],
    }


def _fallback_facts(summary: Mapping[str, Any]) -> Rows:
    stations = summary.get("stations", {})
    facts = [
        ("stations", f"{stations.get('configured', 0)}"),
        ("measured duration", f"{summary.get('duration_s', 0):g} s"),
    ]
    facts += [(label, _text(summary[key])) for key, label in _FALLBACK if summary.get(key) is not None]
    return facts


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
