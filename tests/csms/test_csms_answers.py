"""The session answers every station-initiated OCPP 2.0.1 request with a schema-valid response."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from _csms_frames import STATION_TO_CSMS, call_frame, example_request, parse

from fleet.csms import (
    CSMS_INITIATED,
    STATION_INITIATED,
    CsmsConfig,
    CsmsSession,
    InternalFault,
    Ledger,
    token_is_rejected,
)
from fleet.ocpp import v201
from support import OcppSchemaValidator

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()
SCHEMAS = OcppSchemaValidator()


def new_session(config: CsmsConfig | None = None, ledger: Ledger | None = None) -> CsmsSession:
    return CsmsSession("CS-1", config or CsmsConfig(), ledger or Ledger(), random.Random(7))


def exchange(session: CsmsSession, action: str, payload: Any, unique_id: str = "m-1") -> list[Any]:
    """Send one CALL, return the single frame the session answers with."""
    session.receive(call_frame(unique_id, action, payload), NOW)
    out = session.data_to_send()
    assert len(out) == 1, out
    frame = parse(out[0])
    assert frame[1] == unique_id
    return frame


def test_the_session_knows_exactly_the_station_initiated_actions() -> None:
    assert set(STATION_TO_CSMS) == STATION_INITIATED
    assert set(v201.ACTIONS) == STATION_INITIATED | CSMS_INITIATED
    assert {"DataTransfer"} == STATION_INITIATED & CSMS_INITIATED


@pytest.mark.parametrize("with_optional", [False, True], ids=["required-only", "every-field"])
@pytest.mark.parametrize("action", STATION_TO_CSMS)
def test_every_station_request_gets_a_schema_valid_response(action: str, with_optional: bool) -> None:
    payload = example_request(action, with_optional=with_optional)
    assert SCHEMAS.validate_payload(action, "request", payload) == []  # the test input itself is valid
    session = new_session()

    frame = exchange(session, action, payload)

    assert frame[0] == 3, frame
    assert SCHEMAS.validate_payload(action, "response", frame[2]) == []
    assert not [e for e in session.events() if isinstance(e, InternalFault)]


def test_boot_accepted_uses_the_heartbeat_interval_and_reports_the_time() -> None:
    ledger = Ledger()
    session = new_session(CsmsConfig(heartbeat_interval=120), ledger)

    frame = exchange(session, "BootNotification", example_request("BootNotification", with_optional=False))

    assert frame[2]["status"] == "Accepted"
    assert frame[2]["interval"] == 120
    assert datetime.fromisoformat(frame[2]["currentTime"]) == datetime.fromtimestamp(NOW, UTC)
    assert ledger.stations_booted == {"CS-1"}


@pytest.mark.parametrize("verdict", ["Pending", "Rejected"])
def test_boot_pending_or_rejected_asks_to_retry_after_boot_retry_interval(verdict: str) -> None:
    ledger = Ledger()
    config = CsmsConfig(boot_status=verdict, heartbeat_interval=300, boot_retry_interval=17)  # type: ignore[arg-type]
    session = new_session(config, ledger)

    frame = exchange(session, "BootNotification", example_request("BootNotification", with_optional=False))

    assert (frame[2]["status"], frame[2]["interval"]) == (verdict, 17)
    assert ledger.stations_booted == set()


def test_heartbeat_current_time_follows_now_plus_epoch_offset() -> None:
    session = CsmsSession("CS-1", CsmsConfig(), Ledger(), random.Random(1), epoch_offset=NOW - 5.0)

    session.receive(call_frame("h", "Heartbeat", {}), 5.0)

    frame = parse(session.data_to_send()[0])
    assert datetime.fromisoformat(frame[2]["currentTime"]) == datetime.fromtimestamp(NOW, UTC)


def id_token(token: str) -> dict[str, str]:
    return {"idToken": token, "type": "ISO14443"}


def transaction_started(token: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "eventType": "Started",
        "timestamp": "2024-05-01T12:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-1"},
    }
    if token is not None:
        payload["idToken"] = id_token(token)
    return payload


def test_auth_reject_ratio_one_answers_every_token_invalid() -> None:
    session = new_session(CsmsConfig(auth_reject_ratio=1.0))
    rng = random.Random(3)
    for n in range(20):
        token = f"{rng.getrandbits(40):010x}"
        authorize = exchange(session, "Authorize", {"idToken": id_token(token)}, f"a{n}")
        started = exchange(session, "TransactionEvent", transaction_started(token), f"t{n}")
        assert authorize[2]["idTokenInfo"]["status"] == "Invalid"
        assert started[2]["idTokenInfo"]["status"] == "Invalid"


def test_auth_reject_ratio_zero_accepts_and_no_token_means_no_token_info() -> None:
    session = new_session(CsmsConfig(auth_reject_ratio=0.0))

    authorize = exchange(session, "Authorize", {"idToken": id_token("DEADBEEF")})
    started = exchange(session, "TransactionEvent", transaction_started(None), "t")

    assert authorize[2]["idTokenInfo"]["status"] == "Accepted"
    assert "idTokenInfo" not in started[2]


def test_blocked_token_prefix_is_always_invalid() -> None:
    session = new_session(CsmsConfig(auth_reject_ratio=0.0))
    blocked = exchange(session, "Authorize", {"idToken": id_token("BLOCKED-0042")}, "b")
    fine = exchange(session, "Authorize", {"idToken": id_token("0042")}, "f")
    assert blocked[2]["idTokenInfo"]["status"] == "Invalid"
    assert fine[2]["idTokenInfo"]["status"] == "Accepted"


def test_a_token_keeps_its_verdict_and_the_ratio_is_honoured() -> None:
    ratio, seed = 0.3, 11
    rng = random.Random(5)
    tokens = [f"{rng.getrandbits(48):012x}" for _ in range(2000)]
    verdicts = [token_is_rejected(token, seed, ratio) for token in tokens]
    # the same token in two sessions (two connections) gets the same answer
    first, second = (new_session(CsmsConfig(auth_reject_ratio=ratio, seed=seed)) for _ in range(2))
    for n, token in enumerate(tokens[:50]):
        expected = "Invalid" if verdicts[n] else "Accepted"
        for session in (first, second):
            frame = exchange(session, "Authorize", {"idToken": id_token(token)}, f"a{n}")
            assert frame[2]["idTokenInfo"]["status"] == expected
    assert 0.25 < sum(verdicts) / len(verdicts) < 0.35
    # another seed decides differently
    assert verdicts != [token_is_rejected(token, seed + 1, ratio) for token in tokens]


def test_data_transfer_answers_unknown_vendor() -> None:
    frame = exchange(new_session(), "DataTransfer", {"vendorId": "com.example"})
    assert frame[2] == {"status": "UnknownVendorId"}


def test_reject_transaction_events_answers_internal_error_and_records_nothing() -> None:
    ledger = Ledger()
    session = new_session(CsmsConfig(reject_transaction_events=True), ledger)

    frame = exchange(session, "TransactionEvent", transaction_started("AB12"))

    assert frame[0] == 4 and frame[2] == "InternalError"
    assert ledger.transactions == {}
    assert ledger.protocol_errors == {}  # the CSMS chose to refuse: not the station's fault


def test_a_csms_initiated_action_sent_by_the_station_is_not_supported() -> None:
    frame = exchange(new_session(), "Reset", {"type": "Immediate"})
    assert frame[0] == 4 and frame[2] == "NotSupported"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"boot_status": "Maybe"}, "boot_status"),
        ({"heartbeat_interval": -1}, "heartbeat_interval"),
        ({"boot_retry_interval": 2.5}, "boot_retry_interval"),
        ({"auth_reject_ratio": 1.5}, "auth_reject_ratio"),
        ({"response_delay_s": float("nan")}, "response_delay_s"),
    ],
)
def test_a_bad_config_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"CsmsConfig.{field}"):
        CsmsConfig(**change)
