"""Issue 20, section 2: Lock failure (OCPP 2.0.1 G04; 1.6 ConnectorLockFailure), driven by a
profile's ``faults.lock_failures_per_session`` in a real run against the embedded CSMS.

Every visit here meets a failing lock: the connector goes Faulted (2.0.1 also NotifyEvent
ConnectorPlugRetentionLock.Problem = true), no transaction starts (G04.FR.01: no charging), the
driver gives up and unplugs, and the connector is Available again (the Problem cleared)."""

from __future__ import annotations

from pathlib import Path

import trio.testing
from _usecase_profile_runs import run_profile, urban_public
from _usecase_wire import Frame, answers_to, calls

from fleet.behaviour._profile_schema import Faults

_ALWAYS = urban_public(faults=Faults(lock_failures_per_session=1.0))


def _later_statuses(frames: list[Frame], faulted: Frame) -> list[tuple[str, str]]:
    """(status, 1.6 errorCode or 2.0.1 "") of the StatusNotifications of the same EVSE (2.0.1) or
    connector (1.6) after ``faulted``, in order."""

    def point(call: Frame) -> tuple[str, int]:
        return call.station, call.payload.get("evseId", call.payload["connectorId"])

    return [
        (c.payload.get("connectorStatus") or c.payload["status"], c.payload.get("errorCode", ""))
        for c in calls(frames, "StatusNotification")
        if point(c) == point(faulted) and c.t > faulted.t
    ]


async def test_201_lock_failure_faults_the_connector_alerts_and_starts_no_transaction(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await run_profile(tmp_path, _ALWAYS)
    alerts = [
        e
        for c in calls(frames, "NotifyEvent")
        for e in c.payload["eventData"]
        if e["component"]["name"] == "ConnectorPlugRetentionLock"
    ]
    raised = [e for e in alerts if e["actualValue"] == "true"]
    cleared = [e for e in alerts if e["actualValue"] == "false"]
    assert len(raised) >= 3, "the run met too few lock failures to show anything"
    for event in alerts:
        assert event["variable"]["name"] == "Problem" and event["trigger"] == "Alerting"
        assert event["component"]["evse"]["connectorId"] == 1
    assert all(e.get("cleared") is True for e in cleared) and len(cleared) >= len(raised) - 6
    faulted = [c for c in calls(frames, "StatusNotification") if c.payload["connectorStatus"] == "Faulted"]
    assert len(faulted) >= len(raised)
    for call in faulted:  # then Available again once the driver unplugged
        later = _later_statuses(frames, call)
        assert not later or later[0] == ("Available", "")
    # no session started (TxStartPoint PowerPathClosed: the power path never closed)
    assert calls(frames, "TransactionEvent") == []
    assert summary["transactions"]["started"] == 0
    for call in calls(frames, "NotifyEvent"):
        (answer,) = answers_to(frames, call)
        assert answer.message[0] == 3
    assert all(row["errors"] == 0 for row in summary["actions"].values())


async def test_16_lock_failure_reports_connector_lock_failure_then_available(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    summary, frames = await run_profile(tmp_path, _ALWAYS, ocpp="1.6")
    faulted = [c for c in calls(frames, "StatusNotification") if c.payload["status"] == "Faulted"]
    assert len(faulted) >= 3
    assert {c.payload["errorCode"] for c in faulted} == {"ConnectorLockFailure"}
    for call in faulted:
        later = _later_statuses(frames, call)
        assert not later or later[0] == ("Available", "NoError")
    assert calls(frames, "StartTransaction") == []
    assert all(row["errors"] == 0 for row in summary["actions"].values())


async def test_no_lock_failure_by_default(autojump_clock: trio.testing.MockClock, tmp_path: Path) -> None:
    assert urban_public().faults.lock_failures_per_session == 0.0
    summary, frames = await run_profile(tmp_path, urban_public(faults=Faults()))
    assert summary["transactions"]["started"] > 0
    assert not [c for c in calls(frames, "StatusNotification") if c.payload["connectorStatus"] == "Faulted"]
