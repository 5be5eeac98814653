"""Use case E01-E15: transactions via TransactionEvent - start and stop points, offline, errors."""

from __future__ import annotations

from typing import Any

import pytest
from _station_harness import FakeCsms, boot, events_of, make_station, set_variable

from fleet.ocpp import v201
from fleet.station import CallFailed, MessageDropped, TransactionEnded, TransactionStarted

CARD = "CARD-42"


def _tx_events(csms: FakeCsms) -> list[dict[str, Any]]:
    return [call.payload for call in csms.sent_of("TransactionEvent")]


def _summary(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (e["eventType"], e["triggerReason"], e["transactionInfo"].get("chargingState", "")) for e in events
    ]


@pytest.mark.parametrize(
    ("start_point", "expected"),
    [
        (
            "EVConnected",
            [("Started", "CablePluggedIn", "EVConnected"), ("Updated", "Authorized", "Charging")],
        ),
        ("Authorized", [("Started", "Authorized", "Idle"), ("Updated", "CablePluggedIn", "Charging")]),
        ("PowerPathClosed", [("Started", "CablePluggedIn", "Charging")]),
    ],
)
def test_start_points(start_point: str, expected: list[tuple[str, str, str]]) -> None:
    station = make_station()
    set_variable(station, "TxCtrlr", "TxStartPoint", start_point)
    csms = boot(station)
    station.set_ev_demand(1, 11_000.0, 40.0, 1.0)
    if start_point == "EVConnected":
        station.plug_in(1, 10.0)
        csms.answer_all(10.0)
        station.present_id_token(1, CARD, "ISO14443", 20.0)
    else:
        station.present_id_token(1, CARD, "ISO14443", 10.0)
        csms.answer_all(10.0)
        station.plug_in(1, 20.0)
    csms.answer_all(20.0)
    events = _tx_events(csms)
    assert _summary(events) == expected
    assert sum("idToken" in e for e in events) == 1  # the token is reported once, when known
    assert station.evse_state(1).charging_state == "Charging"
    csms.assert_schema_valid()


def _start(csms: FakeCsms, now: float, evse_id: int = 1) -> str:
    station = csms.station
    station.plug_in(evse_id, now)
    station.present_id_token(evse_id, CARD, "ISO14443", now)
    station.set_ev_demand(evse_id, 7_400.0, None, now)
    csms.answer_all(now)
    tx = station.evse_state(evse_id).transaction_id
    assert tx is not None
    return tx


def test_stop_point_authorized_ends_on_the_same_token_with_local() -> None:
    station = make_station()
    csms = boot(station)
    _start(csms, 10.0)
    station.present_id_token(1, "SOMEONE-ELSE", "ISO14443", 50.0)  # not theirs: ignored
    station.present_id_token(1, CARD, "ISO14443", 60.0)
    csms.answer_all(60.0)
    ended = _tx_events(csms)[-1]
    assert (ended["eventType"], ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "Ended",
        "StopAuthorized",
        "Local",
    )
    assert ended["meterValue"][0]["sampledValue"][0]["context"] == "Transaction.End"
    assert station.evse_state(1).connector_status == "Occupied"  # cable still in
    station.unplug(1, 70.0)
    assert station.evse_state(1).connector_status == "Available"
    csms.assert_schema_valid()


def test_stop_point_ev_connected_only_ends_when_the_cable_is_pulled() -> None:
    station = make_station()
    set_variable(station, "TxCtrlr", "TxStopPoint", "EVConnected")
    csms = boot(station)
    _start(csms, 10.0)
    station.present_id_token(1, CARD, "ISO14443", 60.0)
    csms.answer_all(60.0)
    assert _summary(_tx_events(csms))[-1] == ("Updated", "StopAuthorized", "EVConnected")
    assert station.evse_state(1).power_w == 0.0
    station.unplug(1, 70.0)
    csms.answer_all(70.0)
    ended = _tx_events(csms)[-1]
    assert (ended["eventType"], ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "Ended",
        "EVCommunicationLost",
        "Local",
    )
    csms.assert_schema_valid()


def test_ev_side_disconnect_ends_with_ev_disconnected() -> None:
    station = make_station()
    csms = boot(station)
    _start(csms, 10.0)
    station.unplug(1, 40.0)
    csms.answer_all(40.0)
    ended = _tx_events(csms)[-1]
    assert ended["eventType"] == "Ended" and ended["transactionInfo"]["stoppedReason"] == "EVDisconnected"
    csms.assert_schema_valid()


def test_ev_side_disconnect_suspends_when_stop_tx_on_ev_side_disconnect_is_false() -> None:
    station = make_station()
    set_variable(station, "TxCtrlr", "StopTxOnEVSideDisconnect", "false")
    set_variable(station, "TxCtrlr", "TxStopPoint", "Authorized")
    csms = boot(station)
    tx = _start(csms, 10.0)
    station.unplug(1, 40.0)
    csms.answer_all(40.0)
    assert _summary(_tx_events(csms))[-1] == ("Updated", "EVCommunicationLost", "SuspendedEV")
    assert station.evse_state(1).transaction_id == tx
    station.plug_in(1, 50.0)
    csms.answer_all(50.0)
    assert _summary(_tx_events(csms))[-1] == ("Updated", "CablePluggedIn", "Charging")
    csms.assert_schema_valid()


def test_invalid_id_in_transaction_event_response_stops_with_deauthorized() -> None:
    station = make_station()
    csms = boot(station)
    station.plug_in(1, 10.0)
    csms.answer_all(10.0)
    station.present_id_token(1, "", "NoAuthorization", 11.0)  # no Authorize: the CSMS judges later
    started = csms.take("TransactionEvent")
    csms.answer(
        started, v201.TransactionEventResponse(id_token_info=v201.IdTokenInfo(status="Invalid")), now=11.5
    )
    csms.answer_all(11.5)
    ended = _tx_events(csms)[-1]
    assert (ended["eventType"], ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "Ended",
        "Deauthorized",
        "DeAuthorized",
    )
    csms.assert_schema_valid()


def test_seq_no_is_continuous_and_transaction_ids_unique() -> None:
    station = make_station(evse_count=2)
    csms = boot(station)
    ids = set()
    for round_no in range(3):
        t0 = 100.0 * round_no
        ids.add(_start(csms, t0 + 1, evse_id=1))
        ids.add(_start(csms, t0 + 2, evse_id=2))
        csms.advance(t0 + 2, t0 + 90)
        for evse_id in (1, 2):
            station.present_id_token(evse_id, CARD, "ISO14443", t0 + 95)
            station.unplug(evse_id, t0 + 96)
        csms.answer_all(t0 + 96)
    assert len(ids) == 6
    per_tx: dict[str, list[int]] = {}
    for event in _tx_events(csms):
        per_tx.setdefault(event["transactionInfo"]["transactionId"], []).append(event["seqNo"])
    assert set(per_tx) == ids
    assert all(seq == list(range(len(seq))) for seq in per_tx.values())
    csms.assert_schema_valid()


def test_connection_loss_during_a_transaction_keeps_charging_and_queues_offline_events() -> None:
    station = make_station()
    csms = boot(station)
    tx = _start(csms, 10.0)
    online_count = len(_tx_events(csms))
    station.disconnected(20.0)
    csms.advance(20.0, 200.0, answer=False)  # periodic meter values while offline
    assert station.evse_state(1).charging_state == "Charging"
    station.present_id_token(1, CARD, "ISO14443", 210.0)
    assert station.queued_transaction_messages >= 3
    station.connected(300.0)
    actions = [call.action for call in csms.answer_all(300.0)]
    assert actions[0] == "StatusNotification" and actions.count("BootNotification") == 0
    events = _tx_events(csms)
    offline = events[online_count:]
    assert offline and all(e["offline"] is True for e in offline)
    assert offline[-1]["eventType"] == "Ended" and offline[-1]["transactionInfo"]["transactionId"] == tx
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    csms.assert_schema_valid()


def test_transactions_wholly_offline_are_sent_in_order_after_reconnect() -> None:
    station = make_station()
    csms = boot(station)
    station.disconnected(5.0)
    started_ids = []
    for n in range(2):
        t0 = 10.0 + 100 * n
        station.plug_in(1, t0)
        station.present_id_token(1, f"CARD-{n}", "ISO14443", t0 + 1)  # offline: authorized locally
        station.set_ev_demand(1, 3_000.0, None, t0 + 2)
        started_ids.append(station.evse_state(1).transaction_id)
        station.unplug(1, t0 + 50)
    assert all(e.offline for e in events_of(csms.drain_events(), TransactionStarted))
    station.connected(500.0)
    csms.answer_all(500.0)
    events = _tx_events(csms)
    assert all(e["offline"] is True for e in events)
    order = [
        (e["transactionInfo"]["transactionId"], e["eventType"]) for e in events if e["eventType"] != "Updated"
    ]
    assert order == [
        (started_ids[0], "Started"),
        (started_ids[0], "Ended"),
        (started_ids[1], "Started"),
        (started_ids[1], "Ended"),
    ]
    csms.assert_schema_valid()


def test_rejected_transaction_message_is_retried_then_dropped_and_the_next_one_goes() -> None:
    station = make_station()
    set_variable(station, "OCPPCommCtrlr", "MessageAttempts", "3", instance="TransactionEvent")
    set_variable(station, "OCPPCommCtrlr", "MessageAttemptInterval", "10", instance="TransactionEvent")
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "0")
    set_variable(station, "AlignedDataCtrlr", "Interval", "0")
    csms = boot(station)
    station.plug_in(1, 10.0)
    station.present_id_token(1, "", "NoAuthorization", 10.0)
    attempts = []
    now = 10.0
    for _ in range(3):
        csms.answer_all(now, keep=("TransactionEvent",))
        call = csms.take("TransactionEvent")
        attempts.append((now, call.payload["seqNo"]))
        csms.fail(call, "InternalError", now=now)
        deadline = station.next_deadline()
        if deadline is not None and deadline < 250:
            now = deadline
            station.handle_timer(now)
    assert [seq for _, seq in attempts] == [0, 0, 0]
    assert [t for t, _ in attempts] == [10.0, 20.0, 40.0]  # interval x attempt number
    events = csms.drain_events()
    assert len(events_of(events, CallFailed)) == 3
    assert events_of(events, MessageDropped) == [MessageDropped("TransactionEvent", "RetriesExhausted")]
    station.set_ev_demand(1, 5_000.0, None, 50.0)
    csms.answer_all(50.0, keep=("TransactionEvent",))
    nxt = csms.take("TransactionEvent")
    assert nxt.payload["seqNo"] == 1  # the next message goes; the CSMS sees the gap
    csms.answer(nxt, now=50.0)


def test_stopped_while_offline_is_reported_with_offline_flag() -> None:
    station = make_station()
    csms = boot(station)
    _start(csms, 10.0)
    station.disconnected(20.0)
    station.present_id_token(1, CARD, "ISO14443", 30.0)
    ended_events = events_of(csms.drain_events(), TransactionEnded)
    assert [e.stopped_reason for e in ended_events] == ["Local"]
    station.connected(40.0)
    csms.answer_all(40.0)
    ended = _tx_events(csms)[-1]
    assert ended["eventType"] == "Ended" and ended["offline"] is True
    csms.assert_schema_valid()
