"""Issue 20, section 2: transaction messages the CSMS does not accept (``--csms-fault
tx-callerror=...``): the station retries per TxMessageAttempts / TxMessageAttemptInterval
(2.0.1 E13; 1.6 TransactionMessageAttempts / TransactionMessageRetryInterval), then drops the
message, and the run counts the failed CALLs by code and the drops: nothing is lost silently."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import trio
import trio.testing
from _usecase_wire import Frame, answers_to, calls, read_capture

from fleet.behaviour import DriverSettings
from fleet.chaos import parse_csms_faults
from fleet.csms import CsmsConfig
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job

_DRIVER = DriverSettings(mean_idle_s=30, mean_charge_s=60, step_s=2)


async def _run(
    tmp_path: Path, faults: str, *, ocpp: str = "2.0.1", stations: int = 3
) -> tuple[dict[str, Any], list[Frame]]:
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=stations, duration_s=400, ramp_per_s=10, seed=5),
        csms=CsmsConfig(faults=parse_csms_faults([faults], seed=5)),
        driver=_DRIVER,
        capture_path=str(capture),
        ocpp=OcppMix.parse(ocpp),
    )
    with trio.fail_after(600):
        result = await run_job(job)
    assert result.summary is not None
    return result.summary, read_capture(capture)


def _attempts(frames: list[Frame], action: str) -> dict[tuple[str, str], list[Frame]]:
    """Each message's attempts: the CALLs of ``action`` with the same station and payload."""
    by_message: dict[tuple[str, str], list[Frame]] = defaultdict(list)
    for call in calls(frames, action):
        by_message[(call.station, repr(call.payload))].append(call)
    return by_message


async def test_an_ended_refused_at_every_attempt_is_retried_with_growing_waits_then_dropped(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(tmp_path, "tx-callerror=Ended:InternalError")
    attempts = _attempts(frames, "TransactionEvent")
    ended = {key: tries for key, tries in attempts.items() if tries[0].payload["eventType"] == "Ended"}
    assert len(ended) >= 5
    for tries in ended.values():
        # MessageAttempts 3 (TransactionEvent), MessageAttemptInterval 10 s times the attempt number
        assert len(tries) == 3
        waits = [round(later.t - earlier.t) for earlier, later in itertools.pairwise(tries)]
        assert waits == [10, 20]
        for attempt in tries:
            (answer,) = answers_to(frames, attempt)
            assert answer.message[0] == 4 and answer.message[2] == "InternalError"
    # the other events are answered as usual
    others = [tries for tries in attempts.values() if tries[0].payload["eventType"] != "Ended"]
    assert others and all(len(tries) == 1 for tries in others)
    # the run counts every refused attempt by its code, and every message the stations dropped
    tx = summary["actions"]["TransactionEvent"]
    assert tx["errors_by_code"] == {"InternalError": 3 * len(ended)}
    assert summary["messages_dropped"] == [
        {"action": "TransactionEvent", "reason": "RetriesExhausted", "count": len(ended)}
    ]
    assert summary["loss"]["dropped_by_stations"] == len(ended)
    assert summary["loss"]["lost"] == 0
    assert summary["csms"]["transactions_ended"] == 0  # the CSMS stored none of them
    assert summary["faults"][0]["kind"] == "csms-tx-callerror"


async def test_a_16_start_refused_once_is_accepted_on_its_retry(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(tmp_path, "tx-callerror=Started,tx-callerror-attempts=1", ocpp="1.6")
    starts = _attempts(frames, "StartTransaction")
    assert len(starts) >= 5
    for first, retry in starts.values():
        (refused,) = answers_to(frames, first)
        (accepted,) = answers_to(frames, retry)
        assert refused.message[0] == 4 and refused.message[2] == "InternalError"
        assert accepted.message[0] == 3 and accepted.payload["transactionId"] > 0
    assert summary["actions"]["StartTransaction"]["errors_by_code"] == {"InternalError": len(starts)}
    assert summary["actions"]["StopTransaction"]["errors"] == 0
    assert "messages_dropped" not in summary or summary["messages_dropped"] == []
    assert summary["csms"]["transactions_started"] == len(starts)


async def test_a_share_of_stations_sees_its_messages_refused(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(
        tmp_path, "tx-callerror=all,tx-callerror-stations=50%,tx-callerror-attempts=1", stations=8
    )
    refused = {
        call.station
        for call in calls(frames, "TransactionEvent")
        if answers_to(frames, call) and answers_to(frames, call)[0].message[0] == 4
    }
    charging = {call.station for call in calls(frames, "TransactionEvent")}
    assert 0 < len(refused) < len(charging)
    assert summary["loss"]["lost"] == 0 and summary["loss"]["dropped_by_stations"] == 0


async def test_a_16_stop_transaction_refused_at_every_attempt_is_retried_then_dropped(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await _run(tmp_path, "tx-callerror=Ended:InternalError", ocpp="1.6")
    stops = _attempts(frames, "StopTransaction")
    assert len(stops) >= 5
    for tries in stops.values():
        # TransactionMessageAttempts 3, TransactionMessageRetryInterval 10 s times the attempt number
        assert len(tries) == 3
        assert [round(later.t - earlier.t) for earlier, later in itertools.pairwise(tries)] == [10, 20]
        assert {answers_to(frames, attempt)[0].message[2] for attempt in tries} == {"InternalError"}
    assert summary["actions"]["StopTransaction"]["errors_by_code"] == {"InternalError": 3 * len(stops)}
    assert summary["messages_dropped"] == [
        {"action": "StopTransaction", "reason": "RetriesExhausted", "count": len(stops)}
    ]
    assert summary["csms"]["transactions_ended"] == 0
