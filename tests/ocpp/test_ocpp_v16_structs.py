"""The OCPP 1.6 structs' generator, naming rule and error codes (every struct against its official
schema, for both versions: test_ocpp_structs.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest
from msgspec import inspect

from fleet.ocpp import (
    OCPP16_CODES,
    OCPP16_ERROR_CODES,
    ErrorCode,
    RemoteProtocolError,
    decode_payload,
    ocpp16_error_code,
    v16,
)
from fleet.ocpp._generate import InlineGenerator, main
from support import OcppSchemaValidator, schema_dir

SCHEMAS = schema_dir("1.6")
VALIDATOR = OcppSchemaValidator("1.6")


def test_generator_reproduces_the_committed_module() -> None:
    committed = Path(v16.__file__).with_name("_messages.py").read_text(encoding="utf-8")
    assert InlineGenerator("1.6").generate(SCHEMAS) == committed, (
        "fleet/ocpp/v16/_messages.py differs from the generator's output: "
        "run `python -m fleet.ocpp._generate v16` and commit the result"
    )


def test_every_schema_file_has_its_action() -> None:
    stems = {p.stem for p in SCHEMAS.glob("*.json")}
    responses = {s.removesuffix("Response") for s in stems if s.endswith("Response")}
    assert responses == stems - {f"{a}Response" for a in responses}
    assert set(v16.ACTIONS) == responses
    # the ten station-initiated core actions the engine sends
    assert {
        "Authorize",
        "BootNotification",
        "StartTransaction",
        "StopTransaction",
        "MeterValues",
    } <= responses
    assert v16.SUBPROTOCOL == "ocpp1.6"


def test_same_nested_content_is_one_class_and_different_content_is_prefixed() -> None:
    for action in ("Authorize", "StartTransaction", "StopTransaction"):
        response = inspect.type_info(v16.ACTIONS[action][1])
        assert isinstance(response, inspect.StructType)
        [id_tag_info] = [f.type for f in response.fields if f.name == "id_tag_info"]
        assert isinstance(id_tag_info, inspect.StructType)
        assert id_tag_info.cls is v16.IdTagInfo
    # MeterValues may carry "Hertz", StopTransaction's transactionData may not: two types
    assert "Hertz" in get_args(v16.MeterValueSampledValueUnitEnum)
    assert "Hertz" not in get_args(v16.TransactionDataSampledValueUnitEnum)


def _write_schema(directory: Path, name: str, properties: dict[str, Any]) -> None:
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    (directory / f"{name}.json").write_text(json.dumps(schema), encoding="utf-8")


def test_naming_rule_on_small_schemas(tmp_path: Path) -> None:
    unit = {"type": "string", "enum": ["W"]}
    _write_schema(tmp_path, "Ping", {"status": {"type": "string", "enum": ["A", "B"]}, "unit": unit})
    _write_schema(tmp_path, "PingResponse", {})
    _write_schema(tmp_path, "Pong", {"status": {"type": "string", "enum": ["C"]}, "unit": unit})
    _write_schema(tmp_path, "PongResponse", {"info": {"type": "object", "properties": {"unit": unit}}})
    code = InlineGenerator("1.6").generate(tmp_path)
    # `status` means two contents: each variant takes its message's name
    assert 'PingStatusEnum = Literal["A", "B"]' in code
    assert 'PongStatusEnum = Literal["C"]' in code
    # `unit` means one content in three places: one bare name; objects are named after their property
    assert code.count("UnitEnum = Literal") == 1
    assert "class Info(" in code
    assert "'Ping': (PingRequest, PingResponse)" in code


def test_naming_collision_is_refused(tmp_path: Path) -> None:
    # request and response of one action both hold a different `status`: the rule cannot tell them apart
    _write_schema(tmp_path, "Ping", {"status": {"type": "string", "enum": ["A"]}})
    _write_schema(tmp_path, "PingResponse", {"status": {"type": "string", "enum": ["B"]}})
    with pytest.raises(ValueError, match="PingStatusEnum"):
        InlineGenerator("1.6").generate(tmp_path)


def test_generate_refuses_an_unknown_target(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["_generate", "v99"])
    assert main() == 2
    assert "v99" in capsys.readouterr().err


def test_error_codes_map_to_their_1_6_names() -> None:
    assert set(OCPP16_ERROR_CODES.values()) <= OCPP16_CODES
    assert all(ocpp16_error_code(code) in OCPP16_CODES for code in ErrorCode)
    assert set(VALIDATOR.error_codes) == {str(code) for code in OCPP16_CODES}


@pytest.mark.parametrize(
    ("payload", "v201_code", "v16_code"),
    [
        (b"{}", "OccurrenceConstraintViolation", "OccurenceConstraintViolation"),
        (
            b'{"chargePointVendor": "a", "chargePointModel": "b", "x": 1}',
            "FormatViolation",
            "FormationViolation",
        ),
        (b'{"chargePointVendor"', "FormatViolation", "FormationViolation"),
        (
            b'{"chargePointVendor": 1, "chargePointModel": "b"}',
            "TypeConstraintViolation",
            "TypeConstraintViolation",
        ),
    ],
)
def test_decode_payload_speaks_1_6_error_codes_when_asked(
    payload: bytes, v201_code: str, v16_code: str
) -> None:
    request = v16.BootNotificationRequest
    with pytest.raises(RemoteProtocolError) as default:
        decode_payload(payload, request, unique_id="u1", action="BootNotification")
    with pytest.raises(RemoteProtocolError) as mapped:
        decode_payload(
            payload, request, unique_id="u1", action="BootNotification", error_codes=OCPP16_ERROR_CODES
        )
    assert (default.value.error_code, mapped.value.error_code) == (v201_code, v16_code)
    assert mapped.value.unique_id == "u1"
