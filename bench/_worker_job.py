"""What the harness asks a generator worker process to run (sent as a JSON file)."""

from __future__ import annotations

import msgspec

from bench._scenario import Scenario


class WorkerJob(msgspec.Struct, frozen=True):
    scenario: Scenario
    implementation: str  # "fleet" or "peer"
    csms_url: str
    stations: int
    duration_s: float
    id_prefix: str
