"""The offline queue: bounded, Started/Ended always kept, oldest meter updates dropped and reported."""

from __future__ import annotations

from _station_harness import boot, events_of, make_station, set_variable

from fleet.station import CallSucceeded, MessageDropped


def test_overflow_drops_oldest_meter_updates_keeps_started_and_ended_and_reports_each_drop() -> None:
    limit = 5
    station = make_station(offline_queue_limit=limit)
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "10")
    set_variable(station, "AlignedDataCtrlr", "Interval", "0")
    csms = boot(station)
    station.disconnected(1.0)
    station.plug_in(1, 2.0)
    station.present_id_token(1, "", "NoAuthorization", 2.0)
    station.set_ev_demand(1, 7_000.0, None, 2.0)  # Started(0) + Updated Charging(1)
    csms.advance(2.0, 100.0, answer=False)  # 9 periodic updates: seqNo 2..10
    station.unplug(1, 101.0)  # Ended: seqNo 11
    assert station.queued_transaction_messages == limit
    dropped = events_of(csms.drain_events(), MessageDropped)
    assert dropped == [MessageDropped("TransactionEvent", "OfflineQueueFull")] * (12 - limit)

    station.connected(200.0)
    csms.answer_all(200.0)
    replayed = [call.payload for call in csms.sent_of("TransactionEvent")]
    seq_nos = [event["seqNo"] for event in replayed]
    assert seq_nos == sorted(seq_nos) and len(seq_nos) == limit
    assert replayed[0]["eventType"] == "Started" and replayed[-1]["eventType"] == "Ended"
    # Started (0), the state change to Charging (1) and Ended (11) are not meter-only updates:
    # they survive; the meter updates 2..10 fill what is left, newest kept
    kept_meter_updates = limit - 3
    assert seq_nos == [0, 1, *range(11 - kept_meter_updates, 11), 11]
    csms.assert_schema_valid()


def test_replayed_messages_measure_latency_from_the_reconnect_not_from_the_offline_time() -> None:
    station = make_station()
    csms = boot(station)
    station.disconnected(1.0)
    station.plug_in(1, 2.0)
    station.present_id_token(1, "", "NoAuthorization", 2.0)
    csms.drain_events()
    station.connected(500.0)
    csms.answer_all(501.0)
    replayed = [e for e in events_of(csms.drain_events(), CallSucceeded) if e.action == "TransactionEvent"]
    assert replayed and all(e.intended_at >= 500.0 for e in replayed)
