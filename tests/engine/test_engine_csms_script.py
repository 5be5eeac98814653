"""`fleet run --csms-script`: the embedded CSMS runs CSMS-initiated operations on schedule and the
stations react (a reset station reboots and boots again)."""

import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.csms import parse_script
from fleet.engine import FleetConfig, RunJob, run_job


async def test_script_steps_reach_the_chosen_stations(autojump_clock: trio.testing.MockClock) -> None:
    script = parse_script(
        {
            "step": [
                {
                    "at": "+20s",
                    "action": "Reset",
                    "stations": ["SIM-00000", "SIM-00001"],
                    "payload": {"type": "Immediate"},
                },
                {
                    "at": "+40s",
                    "action": "TriggerMessage",
                    "stations": "50%",
                    "payload": {"requestedMessage": "Heartbeat"},
                },
            ]
        },
        "test-script",
    )
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=4, duration_s=60, ramp_per_s=10, seed=2),
        driver=DriverSettings(mean_idle_s=600, mean_charge_s=60, step_s=2),
        csms_script=tuple(script),
    )
    with trio.fail_after(120):
        result = await run_job(job)
    summary = result.summary
    assert summary is not None
    reset, trigger = summary["csms_script"]
    assert reset == {"step": 1, "action": "Reset", "stations": 2, "answers": {"Accepted": 2}, "errors": {}}
    assert trigger["stations"] == 2 and trigger["answers"] == {"Accepted": 2}
    # the two reset stations rebooted: a second BootNotification each, answered
    assert summary["actions"]["BootNotification"]["ok"] == 4 + 2
    assert summary["csms_requests"]["Reset"]["answered"] == 2
    assert summary["csms_requests"]["TriggerMessage"]["answered"] == 2
