"""Issue 20, section 2: boots answered Pending that later turn Accepted (``--csms-fault
pending-boots=N`` or ``pending=T``, ``pending-share``, ``pending-interval``): the station retries
its BootNotification at the interval the Pending answer gave, sends nothing else meanwhile, and
operates normally once Accepted."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing
from _usecase_wire import Frame, answers_to, calls, read_capture

from fleet.behaviour import DriverSettings
from fleet.chaos import parse_csms_faults
from fleet.csms import CsmsConfig
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job


async def _run(tmp_path: Path, faults: str, ocpp: str, stations: int) -> tuple[dict[str, Any], list[Frame]]:
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=stations, duration_s=120, ramp_per_s=10, seed=6),
        csms=CsmsConfig(faults=parse_csms_faults([faults], seed=6)),
        driver=DriverSettings(mean_idle_s=20, mean_charge_s=60, step_s=2),
        ocpp=OcppMix.parse(ocpp),
        capture_path=str(capture),
    )
    with trio.fail_after(200):
        result = await run_job(job)
    assert result.exit_code == 0 and result.summary is not None
    return result.summary, read_capture(capture)


def _boots(frames: list[Frame], station: str) -> list[tuple[Frame, dict[str, Any]]]:
    return [
        (boot, answers_to(frames, boot)[0].payload)
        for boot in calls(frames, "BootNotification")
        if boot.station == station
    ]


@pytest.mark.parametrize("ocpp", ["2.0.1", "1.6"])
async def test_a_share_of_stations_is_pending_for_two_boots_then_accepted(
    autojump_clock: trio.testing.MockClock, tmp_path: Path, ocpp: str
) -> None:
    summary, frames = await _run(tmp_path, "pending-boots=2,pending-share=50%,pending-interval=5s", ocpp, 8)
    stations = sorted({f.station for f in frames})
    pending = [s for s in stations if len(_boots(frames, s)) > 1]
    assert 0 < len(pending) < len(stations)
    for station in stations:
        boots = _boots(frames, station)
        statuses = [answer["status"] for _, answer in boots]
        if station not in pending:
            assert statuses == ["Accepted"]
            continue
        assert statuses == ["Pending", "Pending", "Accepted"]
        assert [answer["interval"] for _, answer in boots[:2]] == [5, 5]
        times = [boot.t for boot, _ in boots]
        assert [round(later - earlier) for earlier, later in itertools.pairwise(times)] == [5, 5]
        accepted_at = answers_to(frames, boots[-1][0])[0].t
        before = [
            f for f in frames if f.station == station and f.sent and f.t < accepted_at and f.message[0] == 2
        ]
        assert {f.action for f in before} == {"BootNotification"}  # nothing else while Pending
        after = {f.action for f in frames if f.station == station and f.sent and f.t > accepted_at}
        assert "StatusNotification" in after  # then normal operation
    assert summary["stations"]["booted"] == len(stations)
    assert summary["actions"]["BootNotification"]["errors"] == 0


async def test_boots_pending_for_a_time_then_accepted(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(tmp_path, "pending=20s,pending-interval=3s", "2.0.1", 3)
    for station in sorted({f.station for f in frames}):
        boots = _boots(frames, station)
        assert [answer["status"] for _, answer in boots][-1] == "Accepted"
        assert all(answer["status"] == "Pending" and answer["interval"] == 3 for _, answer in boots[:-1])
        assert len(boots) >= 6  # about 20 s of retries every 3 s
    assert summary["stations"]["booted"] == 3
