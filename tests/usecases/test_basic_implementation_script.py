"""Issue 20, section 2: the bundled CSMS script ``profiles/scripts/basic-implementation.toml``
walks the OCPP paper's Table 3 (the basic implementation) in one `fleet run` against the embedded
CSMS, both OCPP versions; each use case is checked on the wire and the run is green."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio
import trio.testing
from _usecase_wire import Frame, answers_to, calls, read_capture

from support.run_summary import run_cleanly_in_process

SCRIPT = Path(__file__).parents[2] / "profiles" / "scripts" / "basic-implementation.toml"


def _answers(frames: list[Frame], action: str) -> list[Any]:
    """The stations' answers to the CSMS's ``action`` calls (payloads), in order."""
    return [answers_to(frames, call)[0].payload for call in calls(frames, action, sent=False)]


def _statuses(frames: list[Frame], action: str) -> set[str]:
    return {answer["status"] for answer in _answers(frames, action)}


async def _run(tmp_path: Path) -> tuple[dict[str, Any], list[Frame]]:
    capture = tmp_path / "frames.jsonl"
    summary = await run_cleanly_in_process(
        [
            "run",
            "--profile", "workplace",
            "--speed", "60",
            "--stations", "16",
            "--duration", "75",
            "--start", "2026-11-30T06:00:00Z",  # a Monday, 07:00 at the car park: arrivals
            "--ocpp", "mix:0.4",
            "--seed", "3",
            "--csms-script", str(SCRIPT),
            "--capture", str(capture),
        ],
        timeout_s=200,
    )  # fmt: skip
    return summary, read_capture(capture)


def _check_configuration(frames: list[Frame]) -> None:
    set_results = [r for a in _answers(frames, "SetVariables") for r in a["setVariableResult"]]
    assert set_results and {r["attributeStatus"] for r in set_results} == {"Accepted"}
    got = [r for a in _answers(frames, "GetVariables") for r in a["getVariableResult"]]
    assert {r["variable"]["name"]: r["attributeValue"] for r in got}["TxUpdatedInterval"] == "120"
    assert _statuses(frames, "ChangeConfiguration") == {"Accepted"}
    keys = [k for a in _answers(frames, "GetConfiguration") for k in a["configurationKey"]]
    assert {k["key"]: k["value"] for k in keys}["MeterValueSampleInterval"] == "120"
    assert _statuses(frames, "GetBaseReport") == {"Accepted"}
    reports = {(f.station, f.payload["requestId"]) for f in calls(frames, "NotifyReport")}
    stations201 = {c.station for c in calls(frames, "GetBaseReport", sent=False)}
    assert reports == {(station, request) for station in stations201 for request in (1, 2, 3)}


def _check_availability_and_monitoring(frames: list[Frame]) -> None:
    assert {
        r["status"] for a in _answers(frames, "SetVariableMonitoring") for r in a["setMonitoringResult"]
    } == {"Accepted"}
    assert _statuses(frames, "ChangeAvailability") <= {"Accepted", "Scheduled"}
    statuses = {
        f.payload.get("connectorStatus", f.payload.get("status")) for f in calls(frames, "StatusNotification")
    }
    assert "Unavailable" in statuses and "Available" in statuses
    events = [e for f in calls(frames, "NotifyEvent") for e in f.payload["eventData"]]
    assert any(
        e["variable"]["name"] == "AvailabilityState" and e["actualValue"] == "Unavailable" for e in events
    )


def _check_transactions(frames: list[Frame]) -> None:
    answers = [answers_to(frames, a)[0].payload for a in calls(frames, "Authorize")]
    authorized = [a.get("idTokenInfo", a.get("idTagInfo"))["status"] for a in answers]
    assert authorized and set(authorized) == {"Accepted"}
    events = [f.payload for f in calls(frames, "TransactionEvent")]
    assert {"Started", "Updated", "Ended"} <= {e["eventType"] for e in events}
    assert any(e["eventType"] == "Updated" and e.get("meterValue") for e in events)  # meter values
    assert (
        calls(frames, "StartTransaction")
        and calls(frames, "MeterValues")
        and calls(frames, "StopTransaction")
    )
    stops = calls(frames, "RequestStopTransaction", sent=False) + calls(
        frames, "RemoteStopTransaction", sent=False
    )
    assert len(stops) >= 2 and {answers_to(frames, s)[0].payload["status"] for s in stops} == {"Accepted"}
    ended = {e["transactionInfo"]["transactionId"]: e for e in events if e["eventType"] == "Ended"}
    stopped16 = {f.payload["transactionId"]: f.payload for f in calls(frames, "StopTransaction")}
    for stop in stops:
        transaction_id = stop.payload["transactionId"]
        if isinstance(transaction_id, str):
            assert ended[transaction_id]["transactionInfo"]["stoppedReason"] == "Remote"
        else:
            assert stopped16[transaction_id]["reason"] == "Remote"


def _check_reset(frames: list[Frame]) -> None:
    resets = calls(frames, "Reset", sent=False)
    assert resets and {answers_to(frames, r)[0].payload["status"] for r in resets} <= {
        "Accepted",
        "Scheduled",
    }
    for reset in resets:
        if answers_to(frames, reset)[0].payload["status"] == "Accepted":
            boots = [
                b for b in calls(frames, "BootNotification") if b.station == reset.station and b.t > reset.t
            ]
            assert boots and answers_to(frames, boots[0])[0].payload["status"] == "Accepted"


async def test_the_basic_implementation_script_runs_green_and_every_use_case_shows_on_the_wire(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(tmp_path)  # green: exit code 0, no errors, no failed calls
    stations = {f.station for f in frames}
    assert len(stations) == 16
    booted = {
        b.station
        for b in calls(frames, "BootNotification")
        if answers_to(frames, b)[0].payload["status"] == "Accepted"
    }
    assert booted == stations
    _check_configuration(frames)
    _check_availability_and_monitoring(frames)
    assert _statuses(frames, "DataTransfer") == {"UnknownVendorId"}  # no special function: rejected
    _check_transactions(frames)
    _check_reset(frames)
    steps = summary["csms_script"]
    assert len(steps) == 18 and all(step["errors"] == {} and step["stations"] > 0 for step in steps)
