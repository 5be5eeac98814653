"""Issue 20, section 3: a Reset of charging stations against a healthy CSMS. The station stops its
transaction (1.6 StopTransaction reason SoftReset/HardReset, 2.0.1 TransactionEvent Ended
ImmediateReset), sends its StatusNotifications, waits for their answers, then closes the line and
boots again: no CALL dies with the connection (before the fix an OCPP 1.6 Soft Reset cut the
StatusNotification (Finishing) off: ConnectionLost errors in the run)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
import trio.testing
from _usecase_wire import Frame, answers_to, calls, read_capture

from fleet.behaviour import DriverSettings
from fleet.csms import parse_script
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job


def _stops(frames: list[Frame], ocpp: str, reason: str) -> list[Frame]:
    if ocpp == "1.6":
        return [c for c in calls(frames, "StopTransaction") if c.payload["reason"] == reason]
    return [
        c
        for c in calls(frames, "TransactionEvent")
        if c.payload["eventType"] == "Ended" and c.payload["transactionInfo"]["stoppedReason"] == reason
    ]


@pytest.mark.parametrize(
    ("ocpp", "kind", "reason"),
    [("1.6", "Soft", "SoftReset"), ("1.6", "Hard", "HardReset"), ("2.0.1", "Immediate", "ImmediateReset")],
)
async def test_a_reset_of_charging_stations_fails_no_call(
    autojump_clock: trio.testing.MockClock, tmp_path: Path, ocpp: str, kind: str, reason: str
) -> None:
    step = {"at": "+60s", "action": "Reset", "ocpp": ocpp, "stations": "all", "payload": {"type": kind}}
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=6, duration_s=120, ramp_per_s=10, seed=3),
        driver=DriverSettings(mean_idle_s=5, mean_charge_s=600, step_s=2),
        csms_script=tuple(parse_script({"step": [step]}, "reset")),
        capture_path=str(capture),
        ocpp=OcppMix.parse(ocpp),
    )
    with trio.fail_after(300):
        result = await run_job(job)
    summary = result.summary
    assert summary is not None
    assert summary["csms_script"][0]["answers"] == {"Accepted": 6}
    frames = read_capture(capture)
    stopped = _stops(frames, ocpp, reason)
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
        # 1.6: Finishing (a 2.0.1 connector with the cable still in stays Occupied: none)
        assert between or ocpp == "2.0.1", f"{stop.station}: no StatusNotification after the stop"
        for call in (stop, *between):
            (answer,) = answers_to(frames, call)  # answered, on the same connection
            assert answer.message[0] == 3 and answer.t <= reboot.t + 1e-6
    assert summary["actions"]["BootNotification"]["ok"] == 12
    for action, row in summary["actions"].items():
        assert row["errors"] == 0, (action, row)
