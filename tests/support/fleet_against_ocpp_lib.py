"""``fleet run`` as a subprocess against the third-party (`ocpp` library) CSMS: the one recipe the
tests that trust our fake only because a real peer agrees share."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio

from ._csms_process import start_ocpp_lib_csms

STATIONS = 10


@dataclass(frozen=True)
class FleetRunSeen:
    csms: dict[str, Any]  # what the library CSMS saw (its summary: violations, stations, messages)
    result: dict[str, Any]  # the fleet's ``--out`` JSON
    capture: Path  # every frame, as ``--capture`` wrote them


async def run_fleet_against_ocpp_lib_csms(tmp_path: Path, *arguments: str) -> FleetRunSeen:
    """``fleet run`` with ``STATIONS`` stations for 8 s (plus ``arguments``) against a fresh library
    CSMS; fails the test with fleet's stderr when it exits non-zero."""
    out = tmp_path / "r.json"
    capture = tmp_path / "frames.jsonl"
    with start_ocpp_lib_csms(0, tmp_path, max_seconds=120) as csms:
        with trio.fail_after(90):
            done = await trio.run_process(
                [
                    sys.executable, "-m", "fleet", "run",
                    "--csms", csms.url,
                    "--stations", str(STATIONS),
                    "--duration", "8",
                    "--ramp", "20",
                    *arguments,
                    "--out", str(out),
                    "--capture", str(capture),
                ],
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )  # fmt: skip
        seen = csms.summary()
    assert done.returncode == 0, done.stderr.decode()
    return FleetRunSeen(seen, json.loads(out.read_text()), capture)
