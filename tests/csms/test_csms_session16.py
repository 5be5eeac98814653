"""The OCPP 1.6 CSMS session: every station-initiated action answered schema-valid, 1.6 error
codes for garbage, CSMS-initiated calls, and 1.6 transactions in the ledger."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from _csms_frames import JSON_VALUES, assert_any_input_is_answered_well
from hypothesis import given
from hypothesis import strategies as st

from fleet.csms import (
    CSMS_INITIATED16,
    STATION_INITIATED16,
    CsmsCallError,
    CsmsCallResult,
    CsmsConfig,
    CsmsSession16,
    Ledger,
    ProtocolViolation,
)
from fleet.ocpp import LocalProtocolError, encode_call, v16
from support import OcppSchemaValidator
from support.instances import build_instance

NOW = 1_714_564_800.0
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SCHEMAS = OcppSchemaValidator("1.6")


def new_session(ledger: Ledger | None = None, config: CsmsConfig | None = None) -> CsmsSession16:
    return CsmsSession16("CP-1", config or CsmsConfig(), ledger or Ledger(), random.Random(1))


def answer(session: CsmsSession16, data: str | bytes) -> list[Any]:
    session.receive(data, NOW)
    [out] = session.data_to_send()
    reply: list[Any] = json.loads(out)
    return reply


def ask(session: CsmsSession16, action: str, request: msgspec.Struct, unique_id: str = "m1") -> list[Any]:
    """Send one CALL; return the CALLRESULT payload after checking it against the 1.6 schema."""
    reply = answer(session, encode_call(unique_id, action, request))
    assert reply[:2] == [3, unique_id], reply
    assert SCHEMAS.validate_payload(action, "response", reply[2]) == []
    return reply


def start(meter_start: int = 1000, id_tag: str = "TAG-1", at: datetime = T0) -> v16.StartTransactionRequest:
    return v16.StartTransactionRequest(connector_id=1, id_tag=id_tag, meter_start=meter_start, timestamp=at)


def meter_values(
    transaction_id: int, reading: str, at: datetime, unit: v16.MeterValueSampledValueUnitEnum = "Wh"
) -> v16.MeterValuesRequest:
    sample = v16.MeterValueSampledValue(value=reading, measurand="Energy.Active.Import.Register", unit=unit)
    return v16.MeterValuesRequest(
        connector_id=1,
        transaction_id=transaction_id,
        meter_value=[v16.MeterValue(timestamp=at, sampled_value=[sample])],
    )


def stop(transaction_id: int, meter_stop: int, at: datetime) -> v16.StopTransactionRequest:
    return v16.StopTransactionRequest(transaction_id=transaction_id, meter_stop=meter_stop, timestamp=at)


# -- every station-initiated action ----------------------------------------------------------------


def test_station_initiated_actions_are_the_ones_a_1_6_charge_point_sends() -> None:
    core = {
        "Authorize",
        "BootNotification",
        "DataTransfer",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
    }
    assert core <= STATION_INITIATED16
    assert {"DataTransfer"} == STATION_INITIATED16 & CSMS_INITIATED16
    assert set(v16.ACTIONS) == STATION_INITIATED16 | CSMS_INITIATED16


@pytest.mark.parametrize("full", [False, True], ids=["required-only", "every-field"])
@pytest.mark.parametrize("action", sorted(STATION_INITIATED16))
def test_each_action_is_answered_schema_valid(action: str, full: bool) -> None:
    ledger = Ledger()
    session = new_session(ledger)
    ask(session, action, build_instance(v16.ACTIONS[action][0], full=full))
    assert ledger.messages_by_action == {action: 1}
    assert ledger.protocol_errors == {}
    assert session.events() == []


def test_boot_verdict_and_intervals_follow_the_config() -> None:
    ledger = Ledger()
    boot = v16.BootNotificationRequest(charge_point_vendor="Acme", charge_point_model="AC22")
    accepted = ask(new_session(ledger, CsmsConfig(heartbeat_interval=120)), "BootNotification", boot)[2]
    assert (accepted["status"], accepted["interval"]) == ("Accepted", 120)
    assert accepted["currentTime"].startswith("2024-05-01T12:00:00")
    pending_config = CsmsConfig(boot_status="Pending", boot_retry_interval=7)
    pending = ask(new_session(Ledger(), pending_config), "BootNotification", boot)[2]
    assert (pending["status"], pending["interval"]) == ("Pending", 7)
    assert ledger.stations_booted == {"CP-1"}


@pytest.mark.parametrize(
    ("config", "id_tag", "status"),
    [
        (CsmsConfig(), "TAG-1", "Accepted"),
        (CsmsConfig(), "BLOCKED-7", "Invalid"),
        (CsmsConfig(auth_reject_ratio=1.0), "TAG-1", "Invalid"),
    ],
)
def test_authorize_and_start_follow_the_token_verdict(config: CsmsConfig, id_tag: str, status: str) -> None:
    session = new_session(config=config)
    assert ask(session, "Authorize", v16.AuthorizeRequest(id_tag=id_tag))[2]["idTagInfo"]["status"] == status
    started = ask(session, "StartTransaction", start(id_tag=id_tag), "m2")[2]
    assert started["idTagInfo"]["status"] == status
    assert type(started["transactionId"]) is int and started["transactionId"] > 0


# -- transactions in the ledger ---------------------------------------------------------------------


def test_a_transaction_is_recorded_with_its_energy_and_meter_values() -> None:
    ledger = Ledger()
    session = new_session(ledger)
    transaction_id = ask(session, "StartTransaction", start(meter_start=1000))[2]["transactionId"]
    ask(session, "MeterValues", meter_values(transaction_id, "1500", T0 + timedelta(minutes=5)), "m2")
    ask(session, "MeterValues", meter_values(transaction_id, "2.5", T0 + timedelta(minutes=10), "kWh"), "m3")
    ask(session, "StopTransaction", stop(transaction_id, 4000, T0 + timedelta(minutes=15)), "m4")

    [record] = ledger.transactions.values()
    assert (record.ocpp_version, record.transaction_id, record.station_id) == (
        "1.6",
        str(transaction_id),
        "CP-1",
    )
    assert (record.started, record.ended, record.meter_values) == (True, True, 2)
    assert record.delivered_wh == 3000.0  # meterStop - meterStart
    summary = ledger.summary()
    assert summary["transactions_by_version"] == {
        "1.6": {"seen": 1, "started": 1, "ended": 1, "unknown_ids": 0, "energy_wh": 3000.0}
    }
    assert (summary["transactions_started"], summary["transactions_ended"], summary["energy_wh"]) == (
        1,
        1,
        3000.0,
    )


def test_an_open_transaction_reports_energy_so_far_from_meter_values() -> None:
    ledger = Ledger()
    session = new_session(ledger)
    transaction_id = ask(session, "StartTransaction", start(meter_start=1000))[2]["transactionId"]
    ask(session, "MeterValues", meter_values(transaction_id, "1.75", T0 + timedelta(minutes=5), "kWh"), "m2")
    [record] = ledger.transactions.values()
    assert record.delivered_wh == 750.0  # 1.75 kWh register - 1000 Wh at the start


def test_replays_count_as_duplicates_and_unknown_ids_are_counted() -> None:
    ledger = Ledger()
    session = new_session(ledger)
    first = ask(session, "StartTransaction", start())[2]["transactionId"]
    again = ask(session, "StartTransaction", start(), "m2")[2]["transactionId"]
    assert again == first  # the id is a function of the transaction, so a replay gets it back
    other = ask(session, "StartTransaction", start(at=T0 + timedelta(hours=1)), "m3")[2]["transactionId"]
    assert other != first
    ask(session, "StopTransaction", stop(first, 2000, T0 + timedelta(minutes=30)), "m4")
    ask(session, "StopTransaction", stop(first, 2000, T0 + timedelta(minutes=30)), "m5")
    ask(session, "StopTransaction", stop(first + 1 if first + 1 != other else first + 2, 10, T0), "m6")

    assert ledger.transactions[f"1.6:CP-1:{first}"].duplicates == 2  # one Start and one Stop again
    by_version = ledger.summary()["transactions_by_version"]["1.6"]
    assert (by_version["seen"], by_version["started"], by_version["ended"], by_version["unknown_ids"]) == (
        3,
        2,
        2,
        1,
    )
    assert by_version["energy_wh"] == 1000.0


def test_ids_of_the_same_transaction_on_two_stations_are_kept_apart() -> None:
    ledger = Ledger()
    for station in ("CP-1", "CP-2"):
        session = CsmsSession16(station, CsmsConfig(), ledger, random.Random(1))
        ask(session, "StartTransaction", start())
    assert len(ledger.transactions) == 2


def test_refused_transaction_messages_are_not_recorded() -> None:
    ledger = Ledger()
    session = new_session(ledger, CsmsConfig(reject_transaction_events=True))
    reply = answer(session, encode_call("m1", "StartTransaction", start()))
    assert reply[:3] == [4, "m1", "InternalError"]
    assert ledger.transactions == {}


# -- garbage gets 1.6 error codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('[2, "u1", "FlyToTheMoon", {}]', "NotImplemented"),
        ('[2, "u1", "RemoteStartTransaction", {"idTag": "x"}]', "NotSupported"),
        ('[2, "u1", "BootNotification", {"chargePointVendor": "a"}]', "OccurenceConstraintViolation"),
        ('[2, "u1", "Heartbeat", {"extra": 1}]', "FormationViolation"),
        ('[2, "u1", "Heartbeat"]', "FormationViolation"),
        ('[2, "u1", "Authorize", {"idTag": 5}]', "TypeConstraintViolation"),
        ('[2, "u1", "Authorize", {"idTag": "' + "x" * 21 + '"}]', "PropertyConstraintViolation"),
        ('[7, "u1", "Heartbeat", {}]', "FormationViolation"),
    ],
)
def test_bad_calls_are_answered_with_1_6_codes(frame: str, code: str) -> None:
    ledger = Ledger()
    session = new_session(ledger)
    reply = answer(session, frame)
    assert reply[:3] == [4, "u1", code]
    assert ledger.protocol_errors == {code: 1}
    [event] = session.events()
    assert isinstance(event, ProtocolViolation) and event.code == code
    assert reply[2] in SCHEMAS.error_codes and reply[4] == {}


# -- CSMS-initiated calls ---------------------------------------------------------------------------


def test_a_csms_call_is_matched_to_its_typed_answer() -> None:
    session = new_session()
    unique_id = session.call("RemoteStopTransaction", v16.RemoteStopTransactionRequest(transaction_id=7), NOW)
    [sent] = session.data_to_send()
    assert json.loads(sent) == [2, unique_id, "RemoteStopTransaction", {"transactionId": 7}]
    assert session.pending_calls() == {unique_id: "RemoteStopTransaction"}

    session.receive(json.dumps([3, unique_id, {"status": "Accepted"}]), NOW)
    [event] = session.events()
    assert isinstance(event, CsmsCallResult)
    assert event.payload == v16.RemoteStopTransactionResponse(status="Accepted")
    assert session.pending_calls() == {}


def test_a_malformed_answer_becomes_a_call_error_with_a_1_6_code() -> None:
    session = new_session()
    unique_id = session.call("Reset", v16.ResetRequest(type="Soft"), NOW)
    session.receive(json.dumps([3, unique_id, {}]), NOW)
    [event] = session.events()
    assert isinstance(event, CsmsCallError)
    assert event.code == "OccurenceConstraintViolation"


def test_call_refuses_what_a_1_6_csms_may_not_send() -> None:
    session = new_session()
    with pytest.raises(LocalProtocolError, match=r"not an OCPP 1\.6 request a CSMS may send"):
        session.call("StartTransaction", start(), NOW)
    with pytest.raises(LocalProtocolError, match=r"needs a v16\.ResetRequest payload"):
        session.call("Reset", v16.ClearCacheRequest(), NOW)
    assert session.data_to_send() == []


def test_every_csms_initiated_action_can_be_sent() -> None:
    session = new_session()
    for action in sorted(CSMS_INITIATED16):
        request = build_instance(v16.ACTIONS[action][0])
        unique_id = session.call(action, request, NOW)
        [sent] = session.data_to_send()
        assert SCHEMAS.validate_stream([("sent", sent)]) == []
        session.abandon_call(unique_id)


# -- fuzz --------------------------------------------------------------------------------------------


@st.composite
def mutated_calls(draw: st.DrawFn) -> str | bytes:
    action = draw(st.sampled_from(sorted(STATION_INITIATED16)))
    payload = json.loads(
        msgspec.json.encode(build_instance(v16.ACTIONS[action][0], full=draw(st.booleans())))
    )
    if payload and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(payload)))
        if draw(st.booleans()):
            payload[key] = draw(JSON_VALUES)
        else:
            del payload[key]
    text = json.dumps([2, draw(st.text(min_size=1, max_size=36)), action, payload])
    if draw(st.booleans()):
        return text
    cut = draw(st.integers(0, len(text)))
    return text[:cut].encode() + draw(st.binary(max_size=6)) + text[cut:].encode()


@given(st.binary(max_size=120) | st.text(max_size=120) | mutated_calls())
def test_any_input_gives_well_formed_1_6_replies_and_never_raises(data: str | bytes) -> None:
    assert_any_input_is_answered_well(new_session(), data, SCHEMAS, NOW)
