"""Request payloads built from the official OCA schemas, and OCPP-J frame helpers, for the CSMS tests."""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import strategies as st

from fleet.csms import CsmsSession, InternalFault
from fleet.ocpp import CallError, CallResult, decode_frame, v201
from support import OcppSchemaValidator, schema_dir

# OCPP 2.0.1 part 2: every request a charging station may send (DataTransfer goes both ways)
STATION_TO_CSMS = (
    "Authorize",
    "BootNotification",
    "ClearedChargingLimit",
    "DataTransfer",
    "FirmwareStatusNotification",
    "Get15118EVCertificate",
    "GetCertificateStatus",
    "Heartbeat",
    "LogStatusNotification",
    "MeterValues",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDisplayMessages",
    "NotifyEVChargingNeeds",
    "NotifyEVChargingSchedule",
    "NotifyEvent",
    "NotifyMonitoringReport",
    "NotifyReport",
    "PublishFirmwareStatusNotification",
    "ReportChargingProfiles",
    "ReservationStatusUpdate",
    "SecurityEventNotification",
    "SignCertificate",
    "StatusNotification",
    "TransactionEvent",
)

DATE_TIME = "2024-05-01T12:00:00Z"


@functools.cache
def request_schema(action: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schema_dir() / f"{action}Request.json").read_text("utf-8-sig"))
    return schema


def example_request(action: str, *, with_optional: bool) -> dict[str, Any]:
    """A schema-valid request: only the required fields, or every field (nested up to a few levels)."""
    schema = request_schema(action)
    value = _example(schema, schema, with_optional, depth=0)
    assert isinstance(value, dict)
    return value


def _example(node: dict[str, Any], root: dict[str, Any], with_optional: bool, depth: int) -> Any:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _example(root["definitions"][name], root, with_optional, depth)
    if "enum" in node:
        return node["enum"][-1] if with_optional else node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        properties: dict[str, Any] = node.get("properties", {})
        keys = [k for k in properties if with_optional and depth < 6] or list(node.get("required", []))
        for required in node.get("required", []):
            if required not in keys:
                keys.append(required)
        return {key: _example(properties[key], root, with_optional, depth + 1) for key in keys}
    if kind == "array":
        count = max(node.get("minItems", 1), 1)
        return [_example(node["items"], root, with_optional, depth + 1) for _ in range(count)]
    if kind == "string":
        if node.get("format") == "date-time":
            return DATE_TIME
        return "x" * min(node.get("maxLength", 8), 8)
    if kind == "integer":
        return int(node.get("minimum", 1))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return {"any": ["json", 1]}  # DataTransfer.data: "data without specified length or format"


def get_variables() -> v201.GetVariablesRequest:
    """A CSMS-initiated request any station answers: GetVariables of OCPPCommCtrlr.HeartbeatInterval."""
    return v201.GetVariablesRequest(
        get_variable_data=[
            v201.GetVariableData(
                component=v201.Component(name="OCPPCommCtrlr"),
                variable=v201.Variable(name="HeartbeatInterval"),
            )
        ]
    )


def call_frame(unique_id: str, action: str, payload: Any) -> str:
    return json.dumps([2, unique_id, action, payload])


def parse(frame: str) -> list[Any]:
    value = json.loads(frame)
    assert isinstance(value, list)
    return value


# JSON values of any shape, to replace or add fields with in fuzzed frames
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


def assert_any_input_is_answered_well(
    session: CsmsSession, data: str | bytes, schemas: OcppSchemaValidator, now: float
) -> None:
    """Whatever ``data`` is, the session does not raise, answers at most once (a CALLRESULT valid
    for the action or a CALLERROR in the version's vocabulary) and reports no InternalFault."""
    session.receive(data, now)  # must not raise
    out = session.data_to_send()
    assert len(out) <= 1
    for text in out:
        reply = decode_frame(text)
        assert isinstance(reply, CallResult | CallError)
        raw = parse(text)
        if isinstance(reply, CallError):
            assert raw[2] in schemas.error_codes and len(raw[3]) <= 255 and raw[4] == {}
        else:
            action = json.loads(data)[2]
            assert schemas.validate_payload(action, "response", raw[2]) == []
    assert not [e for e in session.events() if isinstance(e, InternalFault)]
