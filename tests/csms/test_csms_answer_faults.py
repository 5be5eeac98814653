"""The answers the embedded CSMS can be told to get wrong on chosen messages (issue 20, section 2):
transaction messages refused by event type, share and attempt; idTokens refused in the transaction
answer; boots Pending for a number of boots or a share of stations, with their retry interval;
and station-initiated DataTransfer accepted for the vendors (and messages) it is told of."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from fleet.chaos import parse_csms_faults
from fleet.csms import CsmsConfig, CsmsSession, CsmsSession16, Ledger
from fleet.csms._faults import ActiveCsmsFaults

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "Test", "vendorName": "ocpp-fleet"}}
BOOT16 = {"chargePointModel": "Test", "chargePointVendor": "ocpp-fleet"}
TOKEN = {"idToken": "DRV-7", "type": "ISO14443"}


def _tx(event: str, seq_no: int, **extra: Any) -> dict[str, Any]:
    return {
        "eventType": event,
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "T-1"},
        **extra,
    }


def _session(
    specs: list[str], session: type[CsmsSession] = CsmsSession, station: str = "CS-1", **config: Any
) -> CsmsSession:
    faults = parse_csms_faults(specs, seed=3)
    csms = CsmsConfig(faults=faults, boot_retry_interval=7, **config)
    return session(station, csms, Ledger(), random.Random(0), faults=ActiveCsmsFaults(faults, 0.0))


def _answer(session: CsmsSession, action: str, payload: dict[str, Any], now: float = 1.0) -> list[Any]:
    session.receive(json.dumps([2, "m1", action, payload]), now)
    (frame,) = session.data_to_send()
    return list(json.loads(frame))


def test_only_the_chosen_event_type_is_refused_and_for_the_first_attempts_only() -> None:
    session = _session(["tx-callerror=Ended:SecurityError,tx-callerror-attempts=2"])
    assert _answer(session, "TransactionEvent", _tx("Started", 0))[0] == 3
    ended = _tx("Ended", 1)
    assert _answer(session, "TransactionEvent", ended)[:3] == [4, "m1", "SecurityError"]
    assert _answer(session, "TransactionEvent", ended)[0] == 4
    assert _answer(session, "TransactionEvent", ended)[0] == 3  # the third attempt is stored
    assert session._ledger.transactions["T-1"].ended


def test_16_transaction_messages_map_to_event_types() -> None:
    session = _session(["tx-callerror=Updated+Ended"], CsmsSession16)
    start = {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}
    assert _answer(session, "StartTransaction", start)[0] == 3
    sample = {"timestamp": "2026-01-01T00:01:00Z", "sampledValue": [{"value": "10"}]}
    assert (
        _answer(session, "MeterValues", {"connectorId": 1, "transactionId": 5, "meterValue": [sample]})[0]
        == 4
    )
    assert (
        _answer(session, "MeterValues", {"connectorId": 1, "meterValue": [sample]})[0] == 3
    )  # no transaction
    stop = {"transactionId": 5, "meterStop": 10, "timestamp": "2026-01-01T00:02:00Z"}
    assert _answer(session, "StopTransaction", stop)[2] == "InternalError"


def test_a_share_of_stations_is_chosen_the_same_way_every_time() -> None:
    def refused(station: str) -> bool:
        session = _session(["tx-callerror=all,tx-callerror-stations=50%"], station=station)
        return bool(_answer(session, "TransactionEvent", _tx("Started", 0))[0] == 4)

    verdicts = [refused(f"CS-{n}") for n in range(40)]
    assert 10 < sum(verdicts) < 30
    assert verdicts == [refused(f"CS-{n}") for n in range(40)]


def test_a_token_is_refused_in_the_transaction_answer_but_accepted_by_authorize() -> None:
    session = _session(["tx-token=Blocked,tx-token-match=DRV-*"])
    assert _answer(session, "Authorize", {"idToken": TOKEN})[2]["idTokenInfo"]["status"] == "Accepted"
    answer = _answer(session, "TransactionEvent", _tx("Started", 0, idToken=TOKEN))
    assert answer[2]["idTokenInfo"]["status"] == "Blocked"
    other = {"idToken": "X-1", "type": "ISO14443"}
    assert _answer(session, "TransactionEvent", _tx("Updated", 1, idToken=other))[2]["idTokenInfo"] == {
        "status": "Accepted"
    }


def test_a_16_start_transaction_answers_the_refusing_id_tag_status() -> None:
    session = _session(["tx-token=Expired"], CsmsSession16)
    start = {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}
    answer = _answer(session, "StartTransaction", start)[2]
    assert answer["idTagInfo"] == {"status": "Expired"} and answer["transactionId"] > 0


def test_pending_boots_for_a_number_of_boots_with_their_interval() -> None:
    session = _session(["pending-boots=2,pending-interval=4s"])
    first, second, third = (_answer(session, "BootNotification", BOOT)[2] for _ in range(3))
    assert (first["status"], first["interval"]) == ("Pending", 4)
    assert (second["status"], second["interval"]) == ("Pending", 4)
    assert third["status"] == "Accepted" and third["interval"] == 300
    assert session._ledger.stations_booted == {"CS-1"}


def test_pending_boots_for_a_share_of_stations_in_16_too() -> None:
    statuses = [
        _answer(
            _session(["pending-boots=1,pending-share=0.5"], CsmsSession16, f"CS-{n}"),
            "BootNotification",
            BOOT16,
        )[2]["status"]
        for n in range(40)
    ]
    assert 10 < statuses.count("Pending") < 30 and set(statuses) == {"Pending", "Accepted"}


@pytest.mark.parametrize("session", [CsmsSession, CsmsSession16])
def test_data_transfer_is_accepted_for_the_vendors_and_messages_it_is_told_of(
    session: type[CsmsSession],
) -> None:
    csms = _session([], session, data_transfer_accepts=(("org.acme", None), ("org.demo", "ping")))

    def status(vendor: str, message: str | None = None) -> str:
        payload = {"vendorId": vendor} | ({} if message is None else {"messageId": message})
        return str(_answer(csms, "DataTransfer", payload)[2]["status"])

    assert status("org.acme") == "Accepted" and status("org.acme", "anything") == "Accepted"
    assert status("org.demo", "ping") == "Accepted"
    assert status("org.demo", "pong") == "UnknownMessageId" and status("org.demo") == "UnknownMessageId"
    assert status("com.other") == "UnknownVendorId"


def test_data_transfer_is_refused_by_default() -> None:
    assert _answer(_session([]), "DataTransfer", {"vendorId": "org.acme"})[2] == {"status": "UnknownVendorId"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tx-callerror=Begun", "--csms-fault tx-callerror: 'Begun' is not a transaction event type"),
        ("tx-callerror=Ended:Oops", "--csms-fault tx-callerror: 'Oops' is not an OCPP error code"),
        ("tx-callerror-attempts=2", "add tx-callerror=EVENTS"),
        ("tx-callerror=all,tx-callerror-stations=150%", "tx-callerror-stations: '150%' is not a share"),
        ("tx-token=Unknown", "--csms-fault tx-token: 'Unknown' is not one of Invalid, Blocked, Expired"),
        ("tx-token-share=0.5", "add tx-token=STATUS"),
        ("pending-boots=two", "--csms-fault pending-boots: 'two' is not a whole number"),
        ("pending-interval=soon", "--csms-fault pending-interval: 'soon' is not a duration"),
    ],
)
def test_bad_words_name_the_item(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        parse_csms_faults([spec])
    assert "\n" not in str(caught.value)
