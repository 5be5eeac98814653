"""Issue 20, section 2: an idToken not accepted in the transaction answer (``--csms-fault
tx-token=...``; Authorize still accepts it). With StopTxOnInvalidId true (the default) the station
deauthorizes and stops: TransactionEvent Ended with stoppedReason DeAuthorized (1.6: StopTransaction
reason DeAuthorized); with it false the transaction stays, suspended (chargingState SuspendedEVSE)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio
import trio.testing
from _usecase_wire import Frame, answers_to, calls, read_capture

from fleet.behaviour import DriverSettings
from fleet.chaos import parse_csms_faults
from fleet.csms import CsmsConfig, ScriptStep, parse_script
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job


async def _run(
    tmp_path: Path, ocpp: str, script: tuple[ScriptStep, ...] = ()
) -> tuple[dict[str, Any], list[Frame]]:
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=4, duration_s=300, ramp_per_s=10, seed=8),
        csms=CsmsConfig(faults=parse_csms_faults(["tx-token=Blocked"], seed=8)),
        driver=DriverSettings(mean_idle_s=30, mean_charge_s=600, step_s=2),
        ocpp=OcppMix.parse(ocpp),
        csms_script=script,
        capture_path=str(capture),
    )
    with trio.fail_after(400):
        result = await run_job(job)
    assert result.summary is not None
    return result.summary, read_capture(capture)


def _refused_transactions(frames: list[Frame]) -> dict[str, Frame]:
    """TransactionEvents whose answer refused the idToken, by transaction id (the first such)."""
    refused: dict[str, Frame] = {}
    for event in calls(frames, "TransactionEvent"):
        answer = answers_to(frames, event)
        if answer and answer[0].payload.get("idTokenInfo", {}).get("status") == "Blocked":
            refused.setdefault(event.payload["transactionInfo"]["transactionId"], event)
    return refused


def _events_of(frames: list[Frame], transaction_id: str) -> list[dict[str, Any]]:
    return [
        f.payload
        for f in calls(frames, "TransactionEvent")
        if f.payload["transactionInfo"]["transactionId"] == transaction_id
    ]


async def test_a_refused_token_stops_the_transaction_deauthorized(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(tmp_path, "2.0.1")
    authorized = [answers_to(frames, a)[0].payload for a in calls(frames, "Authorize")]
    assert authorized and all(a["idTokenInfo"]["status"] == "Accepted" for a in authorized)
    refused = _refused_transactions(frames)
    assert len(refused) >= 3
    for transaction_id in refused:
        ended = [e for e in _events_of(frames, transaction_id) if e["eventType"] == "Ended"]
        assert len(ended) == 1
        assert ended[0]["transactionInfo"]["stoppedReason"] == "DeAuthorized"
        assert ended[0]["triggerReason"] == "Deauthorized"
    assert summary["actions"]["TransactionEvent"]["errors"] == 0


async def test_without_stop_tx_on_invalid_id_the_transaction_is_suspended(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    keep_going = parse_script(
        {
            "step": [
                {
                    "at": "+2s",
                    "action": "SetVariables",
                    "payload": {
                        "setVariableData": [
                            {
                                "component": {"name": "TxCtrlr"},
                                "variable": {"name": "StopTxOnInvalidId"},
                                "attributeValue": "false",
                            }
                        ]
                    },
                }
            ]
        },
        "keep-going",
    )
    summary, frames = await _run(tmp_path, "2.0.1", tuple(keep_going))
    assert summary["csms_script"][0]["answers"] == {"answered": 4}
    refused = _refused_transactions(frames)
    assert len(refused) >= 3
    for transaction_id, event in refused.items():
        later = [e for e in _events_of(frames, transaction_id) if e["seqNo"] > event.payload["seqNo"]]
        assert later and later[0]["transactionInfo"]["chargingState"] == "SuspendedEVSE"
        assert all(e["transactionInfo"].get("stoppedReason") != "DeAuthorized" for e in later)


async def test_a_16_start_transaction_refusing_the_tag_ends_it_deauthorized(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(tmp_path, "1.6")
    starts = calls(frames, "StartTransaction")
    assert len(starts) >= 3
    for start in starts:
        (answer,) = answers_to(frames, start)
        assert answer.payload["idTagInfo"]["status"] == "Blocked"
        stops = [
            f
            for f in calls(frames, "StopTransaction")
            if f.station == start.station and f.payload["transactionId"] == answer.payload["transactionId"]
        ]
        assert len(stops) == 1 and stops[0].payload["reason"] == "DeAuthorized"
    assert summary["actions"]["StopTransaction"]["errors"] == 0


async def test_a_16_station_without_stop_on_invalid_id_suspends_the_transaction(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    keep_going = parse_script(
        {
            "step": [
                {
                    "at": "+2s",
                    "action": "ChangeConfiguration",
                    "ocpp": "1.6",
                    "payload": {"key": "StopTransactionOnInvalidId", "value": "false"},
                }
            ]
        },
        "keep-going-16",
    )
    summary, frames = await _run(tmp_path, "1.6", tuple(keep_going))
    assert summary["csms_script"][0]["answers"] == {"Accepted": 4}
    starts = calls(frames, "StartTransaction")
    assert len(starts) >= 3
    for start in starts:
        answer = answers_to(frames, start)[0]
        assert answer.payload["idTagInfo"]["status"] == "Blocked"
        connector = start.payload["connectorId"]
        later = [
            f.payload["status"]
            for f in calls(frames, "StatusNotification")
            if f.station == start.station and f.payload["connectorId"] == connector and f.t >= answer.t
        ]
        # the Charging queued behind the StartTransaction may go first; then the energy stops
        assert next(status for status in later if status != "Charging") == "SuspendedEVSE"
        stops = [
            f
            for f in calls(frames, "StopTransaction")
            if f.station == start.station and f.payload["transactionId"] == answer.payload["transactionId"]
        ]
        assert all(stop.payload.get("reason") != "DeAuthorized" for stop in stops)
