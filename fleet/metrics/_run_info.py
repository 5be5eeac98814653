"""``ocpp_fleet_run_info{...} 1``: how a run was made (version, command, start, tags), as one
Prometheus series whose labels carry it; Grafana draws a run's annotations from it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Info

RUN_INFO_METRIC = "ocpp_fleet_run_info"
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_NOT_IN_A_LABEL_NAME = re.compile(r"[^a-zA-Z0-9_]")


def prometheus_label_name(text: str) -> str:
    """``text`` as a valid Prometheus label name: other characters become "_", a leading digit
    gets a "_" in front ("tag_ci-job" -> "tag_ci_job")."""
    name = _NOT_IN_A_LABEL_NAME.sub("_", text)
    return f"_{name}" if not name or name[0].isdigit() else name


def publish_run_info(registry: CollectorRegistry, labels: Sequence[tuple[str, str]]) -> None:
    """Register ``ocpp_fleet_run_info`` with ``labels`` (name -> value) in ``registry``; ValueError
    names a label name Prometheus would refuse, or one given twice."""
    seen: set[str] = set()
    for name, _ in labels:
        if not _LABEL_NAME.fullmatch(name) or name.startswith("__"):
            raise ValueError(
                f"run info label {name!r} is not a Prometheus label name "
                "(letters, digits and _, not starting with a digit or __)"
            )
        if name in seen:
            raise ValueError(f"run info label {name!r} is given twice")
        seen.add(name)
    info = Info(
        RUN_INFO_METRIC.removesuffix("_info"),
        "How the run was made: tool version, command, start, simulated start, speed, tags (value 1)",
        registry=registry,
    )
    info.info(dict(labels))
