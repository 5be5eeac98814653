"""Issue 20, section 2: a CSMS script remote-stops the transactions running now. ``${transactionId}``
(and ``${idToken}``, ``${evseId}``) become the station's running transaction from the CSMS's ledger,
so RequestStopTransaction (2.0.1) and RemoteStopTransaction (1.6) hit real transactions: they come
back Accepted and the transactions end with stoppedReason / reason Remote on the wire."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
import trio.testing
from _usecase_wire import answers_to, calls, read_capture

from fleet.behaviour import DriverSettings
from fleet.csms import LiveTransaction, ScriptError, parse_script
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job

_STOP_ALL = {
    "step": [
        {"at": "+150s", "action": "RequestStopTransaction", "payload": {"transactionId": "${transactionId}"}},
        {
            "at": "+150s",
            "action": "RemoteStopTransaction",
            "ocpp": "1.6",
            "payload": {"transactionId": "${transactionId}"},
        },
    ]
}


async def test_a_script_remote_stops_the_running_transactions_in_both_versions(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=12, duration_s=200, ramp_per_s=10, seed=4),
        driver=DriverSettings(mean_idle_s=40, mean_charge_s=3_000, step_s=2),
        csms_script=tuple(parse_script(_STOP_ALL, "stop-live")),
        ocpp=OcppMix.parse("mix:0.5"),
        capture_path=str(capture),
    )
    with trio.fail_after(300):
        result = await run_job(job)
    summary = result.summary
    assert result.exit_code == 0 and summary is not None
    step201, step16 = summary["csms_script"]
    for step in (step201, step16):
        assert step["stations"] > 0 and step["answers"] == {"Accepted": step["stations"]}
        assert step["errors"] == {}
        assert step["stations"] + step["no_live_transaction"] == 6  # the rest had none running
    frames = read_capture(capture)
    stops = calls(frames, "RequestStopTransaction", sent=False)
    assert len(stops) == step201["stations"]
    for stop in stops:
        ended = [
            f
            for f in calls(frames, "TransactionEvent")
            if f.station == stop.station
            and f.payload["eventType"] == "Ended"
            and f.payload["transactionInfo"]["transactionId"] == stop.payload["transactionId"]
        ]
        assert len(ended) == 1 and ended[0].t >= stop.t
        assert ended[0].payload["transactionInfo"]["stoppedReason"] == "Remote"
        assert ended[0].payload["triggerReason"] == "RemoteStop"
    remote16 = calls(frames, "RemoteStopTransaction", sent=False)
    assert len(remote16) == step16["stations"]
    for stop in remote16:
        assert isinstance(stop.payload["transactionId"], int)  # a 1.6 id is a number on the wire
        (answer,) = answers_to(frames, stop)
        assert answer.payload == {"status": "Accepted"}
        (stopped,) = [
            f
            for f in calls(frames, "StopTransaction")
            if f.station == stop.station and f.payload["transactionId"] == stop.payload["transactionId"]
        ]
        assert stopped.payload["reason"] == "Remote"


def test_live_placeholders_fill_typed_values_and_strings() -> None:
    (step,) = parse_script(
        {
            "step": [
                {
                    "at": "+1s",
                    "action": "RequestStartTransaction",
                    "payload": {
                        "evseId": "${evseId}",
                        "remoteStartId": 7,
                        "idToken": {"idToken": "${idToken}", "type": "Central"},
                    },
                }
            ]
        },
        "s",
    )
    assert step.live == {"evseId", "idToken"}
    request = step.request(0.0, LiveTransaction("T-9", 2, "DRV-1"))
    assert request.evse_id == 2 and request.id_token.id_token == "DRV-1"  # type: ignore[attr-defined]


def test_a_16_transaction_id_placeholder_must_stand_alone_in_its_field() -> None:
    with pytest.raises(ScriptError, match="s: step 1: payload is not a valid RemoteStopTransaction"):
        parse_script(
            {
                "step": [
                    {
                        "at": "+1s",
                        "action": "RemoteStopTransaction",
                        "ocpp": "1.6",
                        "payload": {"transactionId": "id-${transactionId}"},
                    }
                ]
            },
            "s",
        )
