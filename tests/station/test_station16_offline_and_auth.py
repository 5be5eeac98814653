"""OCPP 1.6 offline behaviour and authorization: queued transaction messages replayed in order
with the CSMS's transactionId, the Local Authorization List and the Authorization Cache."""

from __future__ import annotations

from _station16_harness import boot16, charge, make_station16
from _station_harness import events_of

from fleet.ocpp import v16
from fleet.station import TransactionStarted


def _local_list(
    version: int, update: v16.UpdateTypeEnum, *entries: tuple[str, str | None]
) -> v16.SendLocalListRequest:
    return v16.SendLocalListRequest(
        list_version=version,
        update_type=update,
        local_authorization_list=[
            v16.LocalAuthorizationList(id_tag=tag, id_tag_info=v16.IdTagInfo(status=status))  # type: ignore[arg-type]
            if status is not None
            else v16.LocalAuthorizationList(id_tag=tag)
            for tag, status in entries
        ],
    )


def test_a_session_started_offline_is_replayed_in_order_with_the_transaction_id_patched_in() -> None:
    station = make_station16()
    csms = boot16(station)
    station.configuration.set("AllowOfflineTxForUnknownId", "true")
    station.disconnected(5.0)
    station.plug_in(1, 10.0)
    station.set_ev_demand(1, 7_400.0, None, 10.0)
    station.present_id_token(1, "OFFLINE-1", "ISO14443", 10.0)
    assert events_of(csms.drain_events(), TransactionStarted)[0].offline
    csms.advance(10.0, 130.0, answer=False)  # two periodic MeterValues while offline
    station.present_id_token(1, "OFFLINE-1", "ISO14443", 200.0)
    assert station.queued_transaction_messages == 4  # Start, 2 x MeterValues, Stop
    assert csms.pending_actions() == []
    station.connected(300.0)  # same power cycle: registered already, no new boot
    csms.answer_all(300.0, keep=("StartTransaction",))
    start = csms.take("StartTransaction")
    answer = v16.StartTransactionResponse(id_tag_info=v16.IdTagInfo(status="Accepted"), transaction_id=4242)
    csms.answer(start, answer, now=301.0)
    csms.answer_all(301.0)
    replayed = [
        c.action for c in csms.calls if c.action in ("StartTransaction", "MeterValues", "StopTransaction")
    ]
    assert replayed == ["StartTransaction", "MeterValues", "MeterValues", "StopTransaction"]
    later = [c for c in csms.calls if c.action in ("MeterValues", "StopTransaction")]
    assert all(c.payload["transactionId"] == 4242 for c in later)
    assert start.payload["timestamp"] == "2026-01-01T00:00:10Z"  # when it happened, not when sent
    csms.assert_schema_valid()


def test_offline_the_local_list_decides_and_unknown_tags_are_refused_by_default() -> None:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    reply = csms.call(
        "SendLocalList", _local_list(3, "Full", ("GOOD", "Accepted"), ("BLOCKED", "Blocked")), 1.0
    )
    assert reply[2] == {"status": "Accepted"}
    assert csms.call("GetLocalListVersion", v16.GetLocalListVersionRequest(), 1.0)[2] == {"listVersion": 3}
    station.disconnected(2.0)
    for connector, tag in ((1, "BLOCKED"), (2, "STRANGER")):
        station.plug_in(connector, 3.0)
        station.present_id_token(connector, tag, "ISO14443", 3.0)
        assert station.evse_state(connector).transaction_id is None, tag
    station.unplug(1, 4.0)
    station.plug_in(1, 5.0)
    station.present_id_token(1, "GOOD", "ISO14443", 5.0)
    assert station.evse_state(1).transaction_id is not None
    csms.assert_schema_valid()


def test_the_authorization_cache_lets_a_known_tag_charge_offline_until_cleared() -> None:
    station = make_station16()
    csms = boot16(station)
    charge(station, csms, 10.0, id_tag="REGULAR")
    station.unplug(1, 20.0)
    csms.answer_all(20.0)
    assert station.authorizations.cache["REGULAR"].status == "Accepted"
    assert csms.call("ClearCache", v16.ClearCacheRequest(), 21.0)[2] == {"status": "Accepted"}
    station.disconnected(22.0)
    station.plug_in(1, 23.0)
    station.present_id_token(1, "REGULAR", "ISO14443", 23.0)
    assert station.evse_state(1).transaction_id is None  # cache cleared: unknown offline
    station.unplug(1, 24.0)
    station.connected(25.0)
    csms.answer_all(25.0)
    charge(station, csms, 30.0, id_tag="REGULAR")  # re-learned online
    station.disconnected(40.0)
    station.unplug(1, 41.0)
    station.plug_in(1, 42.0)
    station.present_id_token(1, "REGULAR", "ISO14443", 42.0)
    assert station.evse_state(1).transaction_id is not None  # LocalAuthorizeOffline from the cache
    csms.assert_schema_valid()


def test_local_pre_authorize_starts_without_an_authorize_request() -> None:
    station = make_station16()
    csms = boot16(station)
    csms.call("SendLocalList", _local_list(1, "Full", ("FAST", "Accepted")), 1.0)
    assert csms.call(
        "ChangeConfiguration", v16.ChangeConfigurationRequest(key="LocalPreAuthorize", value="true"), 1.0
    )[2] == {"status": "Accepted"}
    charge(station, csms, 2.0, id_tag="FAST")
    assert csms.sent_of("Authorize") == []
    csms.assert_schema_valid()


def test_differential_updates_need_a_newer_version_and_remove_entries_without_info() -> None:
    station = make_station16()
    csms = boot16(station)
    csms.call("SendLocalList", _local_list(5, "Full", ("A", "Accepted"), ("B", "Accepted")), 1.0)
    stale = csms.call("SendLocalList", _local_list(5, "Differential", ("C", "Accepted")), 1.0)
    assert stale[2] == {"status": "VersionMismatch"}
    ok = csms.call("SendLocalList", _local_list(6, "Differential", ("B", None), ("C", "Blocked")), 1.0)
    assert ok[2] == {"status": "Accepted"}
    assert {tag: info.status for tag, info in station.authorizations.local_list.items()} == {
        "A": "Accepted",
        "C": "Blocked",
    }
    csms.call(
        "ChangeConfiguration", v16.ChangeConfigurationRequest(key="LocalAuthListEnabled", value="false"), 2.0
    )
    assert csms.call("GetLocalListVersion", v16.GetLocalListVersionRequest(), 2.0)[2] == {"listVersion": -1}
    refused = csms.call("SendLocalList", _local_list(7, "Full"), 2.0)
    assert refused[2] == {"status": "NotSupported"}
    csms.assert_schema_valid()
