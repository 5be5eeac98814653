"""A short `fleet run` of a bundled profile, changed for one use case, against the embedded CSMS
(MockClock, high speed, a capture file): the frames each station exchanged and the summary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import trio
from _usecase_wire import Frame, read_capture

from fleet.behaviour import Profile, load_profile, resolve_profile
from fleet.csms import CsmsConfig
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=UTC).timestamp()


def urban_public(**changes: Any) -> Profile:
    """The bundled street-side profile with ``changes`` (top-level fields replaced)."""
    return msgspec.structs.replace(load_profile(resolve_profile("urban_public")), **changes)


async def run_profile(
    tmp_path: Path,
    profile: Profile,
    *,
    ocpp: str = "2.0.1",
    stations: int = 6,
    speed: float = 600.0,
    csms: CsmsConfig | None = None,
) -> tuple[dict[str, Any], list[Frame]]:
    capture = tmp_path / f"frames-{ocpp}.jsonl"
    job = RunJob(
        fleet=FleetConfig(
            csms_url="", stations=stations, duration_s=120.0, ramp_per_s=20.0, seed=4, speed=speed
        ),
        profile=profile,
        csms=csms if csms is not None else CsmsConfig(),
        sim_start_epoch=MONDAY_10AM,
        ocpp=OcppMix.parse(ocpp),
        capture_path=str(capture),
    )
    with trio.fail_after(900):
        result = await run_job(job)
    assert result.exit_code == 0 and result.summary is not None, result.failure
    return result.summary, read_capture(capture)
