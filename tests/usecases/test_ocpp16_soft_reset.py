"""Issue 20, section 3: an OCPP 1.6 Soft Reset of charging stations against a healthy CSMS. The
station stops its transaction (StopTransaction reason SoftReset), sends its StatusNotifications,
waits for their answers, then closes the line and boots again: no CALL dies with the connection
(before the fix the reboot cut the StatusNotification off: ConnectionLost errors in the run)."""

from __future__ import annotations

from pathlib import Path

import trio
import trio.testing
from _usecase_wire import answers_to, calls, read_capture

from fleet.behaviour import DriverSettings
from fleet.csms import parse_script
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job


async def test_a_soft_reset_of_charging_16_stations_fails_no_call(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    script = parse_script(
        {
            "step": [
                {
                    "at": "+60s",
                    "action": "Reset",
                    "ocpp": "1.6",
                    "stations": "all",
                    "payload": {"type": "Soft"},
                }
            ]
        },
        "soft-reset",
    )
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=6, duration_s=120, ramp_per_s=10, seed=3),
        driver=DriverSettings(mean_idle_s=5, mean_charge_s=600, step_s=2),
        csms_script=tuple(script),
        capture_path=str(capture),
        ocpp=OcppMix.parse("1.6"),
    )
    with trio.fail_after(300):
        result = await run_job(job)
    summary = result.summary
    assert summary is not None
    assert summary["csms_script"][0]["answers"] == {"Accepted": 6}
    frames = read_capture(capture)
    stopped = [c for c in calls(frames, "StopTransaction") if c.payload["reason"] == "SoftReset"]
    assert len(stopped) >= 3  # the reset found sessions running
    for stop in stopped:
        reboot = next(
            c for c in calls(frames, "BootNotification") if c.station == stop.station and c.t > stop.t
        )
        between = [
            c
            for c in calls(frames, "StatusNotification")
            if c.station == stop.station and stop.t <= c.t < reboot.t
        ]
        assert between, f"{stop.station}: no StatusNotification after its StopTransaction"
        for call in (stop, *between):
            (answer,) = answers_to(frames, call)  # answered, on the same connection
            assert answer.message[0] == 3 and answer.t <= reboot.t
    assert summary["actions"]["BootNotification"]["ok"] == 12
    for action, row in summary["actions"].items():
        assert row["errors"] == 0, (action, row)
