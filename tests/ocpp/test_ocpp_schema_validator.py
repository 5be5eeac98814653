"""The test-time validator of captured traffic (tests/support/schemas.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fleet.ocpp import ErrorCode, encode_call, encode_call_error, encode_call_result, v201
from support import OcppSchemaValidator

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
BOOT = encode_call(
    "b1",
    "BootNotification",
    v201.BootNotificationRequest(
        charging_station=v201.ChargingStation(model="Wallbox-22", vendor_name="Acme"), reason="PowerUp"
    ),
)
BOOT_ACCEPTED = encode_call_result(
    "b1", v201.BootNotificationResponse(current_time=NOW, interval=60, status="Accepted")
)
RESET = encode_call("r1", "Reset", v201.ResetRequest(type="Immediate"))
RESET_ACCEPTED = encode_call_result("r1", v201.ResetResponse(status="Accepted"))


@pytest.fixture(scope="module")
def validator() -> OcppSchemaValidator:
    return OcppSchemaValidator("2.0.1")


def test_a_valid_conversation_has_no_violations(validator: OcppSchemaValidator) -> None:
    frames = [("sent", BOOT), ("received", BOOT_ACCEPTED), ("received", RESET), ("sent", RESET_ACCEPTED)]
    assert validator.validate_stream(frames) == []


def test_invalid_call_payload_names_frame_action_and_field(validator: OcppSchemaValidator) -> None:
    payload = {"timestamp": "2024-05-01T12:00:00Z", "evseId": 1, "connectorId": 1}  # no connectorStatus
    frame = json.dumps([2, "s1", "StatusNotification", payload])
    [violation] = validator.validate_stream([("sent", frame)])
    assert violation.startswith("frame 1 (sent): CALL StatusNotification id=s1")
    assert "'connectorStatus' is a required property" in violation


def test_call_result_is_checked_against_the_action_of_the_call_it_answers(
    validator: OcppSchemaValidator,
) -> None:
    answer = json.dumps([3, "r1", {"status": "Sure"}])
    [violation] = validator.validate_stream([("received", RESET), ("sent", answer)])
    assert "CALLRESULT Reset id=r1: $.status: 'Sure' is not one of" in violation


def test_date_time_without_offset_is_reported(validator: OcppSchemaValidator) -> None:
    payload = {"currentTime": "2024-05-01T12:00:00", "interval": 60, "status": "Accepted"}
    naive = json.dumps([3, "b1", payload])
    [violation] = validator.validate_stream([("sent", BOOT), ("received", naive)])
    assert "$.currentTime" in violation
    assert "date-time" in violation


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (json.dumps([3, "nobody", {}]), "CALLRESULT for unknown id 'nobody'"),
        (encode_call_error("nobody", ErrorCode.GENERIC_ERROR, "x"), "CALLERROR for unknown id 'nobody'"),
        (json.dumps([4, "-1", "RpcFrameworkError", "", {}]), None),
        (json.dumps([4, "r1", "Oops", "x", {}]), "unknown error code 'Oops'"),
        (json.dumps([4, "r1", "GenericError", 5, {}]), "description must be a string"),
        (json.dumps([4, "r1", "GenericError", "x", []]), "details must be an object"),
        (json.dumps([4, "r1", "GenericError", "x"]), "CALLERROR must be [4, id, code, description, details]"),
        (json.dumps([2, "c1", "Teleport", {}]), "unknown action 'Teleport'"),
        (json.dumps([7, "c1"]), "message type must be 2, 3 or 4"),
        (json.dumps([2, "i" * 37, "Heartbeat", {}]), "message id must be a string of 1..36"),
        ("[2, ", "not JSON"),
    ],
    ids=[
        "result-unknown-id",
        "error-unknown-id",
        "error-id-minus-one",
        "error-code",
        "error-description",
        "error-details",
        "error-length",
        "unknown-action",
        "message-type",
        "id-length",
        "not-json",
    ],
)
def test_envelope_problems(validator: OcppSchemaValidator, frame: str, expected: str | None) -> None:
    violations = validator.validate_stream([("received", RESET), ("sent", frame)])
    if expected is None:
        assert violations == []
    else:
        assert len(violations) == 1
        assert expected in violations[0]


def test_reused_id_of_an_unanswered_call_is_reported(validator: OcppSchemaValidator) -> None:
    violations = validator.validate_stream([("sent", BOOT), ("sent", BOOT)])
    assert violations == ["frame 2 (sent): CALL BootNotification reuses id 'b1' of an unanswered CALL"]


def test_unchecked_direction_only_teaches_actions(validator: OcppSchemaValidator) -> None:
    bad_reset = json.dumps([2, "r1", "Reset", {"type": "Gently"}])
    bad_answer = json.dumps([3, "r1", {"status": "Sure"}])
    frames = [("received", bad_reset), ("sent", bad_answer)]
    [violation] = validator.validate_stream(frames, directions=("sent",))
    assert "frame 2 (sent): CALLRESULT Reset" in violation
    assert len(validator.validate_stream(frames)) == 2


def test_many_violations_are_cut_with_a_total(validator: OcppSchemaValidator) -> None:
    frames = [("sent", json.dumps([2, f"h{i}", "Heartbeat", {"extra": i}])) for i in range(60)]
    violations = validator.validate_stream(frames)
    assert len(violations) == 51
    assert violations[-1] == "... 10 more; 60 violations in total"
    assert len(validator.validate_stream(frames, limit=None)) == 60


def _capture_line(station: str, direction: str, frame: str, t: float) -> str:
    return json.dumps({"t": t, "station": station, "dir": direction, "frame": frame})


def test_capture_groups_by_station_and_judges_only_what_stations_sent(
    validator: OcppSchemaValidator, tmp_path: Path
) -> None:
    bad_answer = json.dumps([3, "r1", {"status": "Sure"}])
    broken_csms_answer = json.dumps([3, "b1", {"interval": 60}])
    lines = [
        _capture_line("CS-1", "sent", BOOT, 0.0),
        _capture_line("CS-2", "sent", BOOT, 0.1),  # same id, other station: not a reuse
        _capture_line("CS-1", "received", BOOT_ACCEPTED, 0.2),
        _capture_line("CS-2", "received", broken_csms_answer, 0.3),  # the CSMS's fault: not judged
        _capture_line("CS-2", "received", RESET, 0.4),
        _capture_line("CS-1", "sent", bad_answer, 0.5),  # CS-1 never got a Reset
        _capture_line("CS-2", "sent", bad_answer, 0.6),
        "",
        '{"t": 1.0, "station": "CS-3"}',
    ]
    capture = tmp_path / "capture.jsonl"
    capture.write_text("\n".join(lines) + "\n", encoding="utf-8")

    violations = validator.validate_capture(capture)

    assert violations[0] == (
        f"{capture}:6 station 'CS-1' (sent): CALLRESULT for unknown id 'r1' (no CALL waits for it)"
    )
    assert violations[1].startswith(f"{capture}:7 station 'CS-2' (sent): CALLRESULT Reset id=r1: $.status")
    assert violations[2].startswith(f"{capture}:9: capture line needs 'station' (string), 'dir'")
    assert len(violations) == 3


def test_unsupported_version_says_which_exist() -> None:
    with pytest.raises(ValueError, match=r"unsupported OCPP version '3\.0'.*'1\.6', '2\.0\.1'"):
        OcppSchemaValidator("3.0")


def test_ocpp16_schemas_are_found() -> None:
    validator = OcppSchemaValidator("1.6")
    frames = [("sent", json.dumps([2, "h1", "Heartbeat", {}])), ("received", json.dumps([3, "h1", {}]))]
    [violation] = validator.validate_stream(frames)
    assert "CALLRESULT Heartbeat id=h1: $: 'currentTime' is a required property" in violation
