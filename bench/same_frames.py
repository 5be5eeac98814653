"""Fingerprint every frame of deterministic runs, to show a refactor changed no frame.

Run it on two checkouts (``PYTHONPATH=/path/to/other python bench/same_frames.py``) and diff the
output. ``simulate`` lines hash every frame of the frames model in order (virtual time: exact).
``engine`` lines run ``run_job`` on a MockClock against the embedded CSMS with a capture file and
hash the frames with timestamps masked, in order and as a sorted multiset: under MockClock the
stations' interleaving varies from run to run, so compare the last column (the multiset).
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path

import trio
import trio.testing

from fleet.behaviour import load_profile, resolve_profile
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job
from fleet.simulation import FleetSpec, SimulationConfig, build_fleet, run_simulation

_TIME = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?")


def simulate(profile: str | None, count: int, hours: float) -> tuple[int, str]:
    name, epoch, stations = build_fleet(FleetSpec(count=count, seed=7, profile=profile))
    digest = hashlib.sha256()
    frames = 0

    def on_frame(now: float, station_id: str, direction: str, frame: str) -> None:
        nonlocal frames
        frames += 1
        digest.update(f"{now:.6f}|{station_id}|{direction}|{frame}\n".encode())

    config = SimulationConfig(hours=hours, seed=7, epoch=epoch, profile_name=name)
    run_simulation(config, stations, on_frame=on_frame)
    return frames, digest.hexdigest()[:16]


async def engine(profile: str | None, mix: str | None, capture: Path) -> tuple[int, int, str, str]:
    exit_code = await _run(profile, mix, capture)
    return (exit_code, *_fingerprint(capture))


async def _run(profile: str | None, mix: str | None, capture: Path) -> int:
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=12, duration_s=3600, ramp_per_s=4, seed=3),
        profile=load_profile(resolve_profile(profile)) if profile else None,
        ocpp=OcppMix.parse(mix) if mix else OcppMix(),
        capture_path=str(capture),
        sim_start_epoch=1.7e9,
    )
    with trio.fail_after(8000):
        result = await run_job(job)
    return result.exit_code


def _fingerprint(capture: Path) -> tuple[int, str, str]:
    lines = []
    for line in capture.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.pop("t", None)
        lines.append(_TIME.sub("<time>", json.dumps(record, sort_keys=True)))
    in_order = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    as_set = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:16]
    return len(lines), in_order, as_set


def main() -> None:
    for profile, count, hours in [
        (None, 20, 6.0),
        ("workplace", 30, 12.0),
        ("highway_dc", 10, 6.0),
        ("residential", 20, 12.0),
    ]:
        print("simulate", profile, *simulate(profile, count, hours), flush=True)
    with tempfile.TemporaryDirectory() as directory:
        for profile, mix in [(None, None), ("workplace", None), (None, "mix:0.5")]:
            capture = Path(directory) / "frames.jsonl"
            clock = trio.testing.MockClock(autojump_threshold=0)
            print("engine", profile, mix, *trio.run(engine, profile, mix, capture, clock=clock), flush=True)


if __name__ == "__main__":
    main()
