"""The generated OCPP 2.0.1 structs against the official OCA schemas, for every action."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from msgspec import inspect

from fleet.ocpp import decode_payload, v201
from fleet.ocpp._generate import Generator
from support import OcppSchemaValidator, schema_dir
from support.instances import build_instance

SCHEMAS = schema_dir("2.0.1")
VALIDATOR = OcppSchemaValidator("2.0.1")
MESSAGES = [
    pytest.param(action, kind, struct, id=f"{action}{kind.title()}")
    for action, pair in sorted(v201.ACTIONS.items())
    for kind, struct in zip(("request", "response"), pair, strict=True)
]


def _schema(action: str, kind: str) -> dict[str, Any]:
    name = f"{action}{'Request' if kind == 'request' else 'Response'}.json"
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8-sig"))
    return schema


def _mismatches(node: dict[str, Any], root: dict[str, Any], info: inspect.Type, where: str) -> list[str]:
    """Every difference between a schema node and the msgspec type generated for it."""
    if "$ref" in node:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    kind = node.get("type")
    if "enum" in node:
        if not isinstance(info, inspect.LiteralType):
            return [f"{where}: enum in the schema, {type(info).__name__} in the struct"]
        return [] if set(info.values) == set(node["enum"]) else [f"{where}: enum values differ"]
    if kind == "object":
        return _struct_mismatches(node, root, info, where)
    if kind == "array":
        if not isinstance(info, inspect.ListType):
            return [f"{where}: array in the schema, {type(info).__name__} in the struct"]
        problems = []
        if (info.min_length, info.max_length) != (node.get("minItems"), node.get("maxItems")):
            problems.append(f"{where}: list length limits {(info.min_length, info.max_length)} differ")
        return problems + _mismatches(node["items"], root, info.item_type, f"{where}[]")
    if kind == "string" and node.get("format") == "date-time":
        return [] if isinstance(info, inspect.DateTimeType) else [f"{where}: date-time is {info!r}"]
    if kind == "string":
        if not isinstance(info, inspect.StrType) or info.max_length != node.get("maxLength"):
            return [f"{where}: string(maxLength={node.get('maxLength')}) is {info!r}"]
        return []
    if kind in ("integer", "number"):
        expected_type = inspect.IntType if kind == "integer" else inspect.FloatType
        if not isinstance(info, expected_type):
            return [f"{where}: {kind} is {info!r}"]
        if (info.ge, info.le) != (node.get("minimum"), node.get("maximum")):
            return [f"{where}: range {(info.ge, info.le)} differs from the schema"]
        return []
    if kind == "boolean":
        return [] if isinstance(info, inspect.BoolType) else [f"{where}: boolean is {info!r}"]
    if kind is None:
        return [] if isinstance(info, inspect.AnyType) else [f"{where}: free JSON is {info!r}"]
    return [f"{where}: schema type {kind!r} not handled by this test"]


def _struct_mismatches(
    node: dict[str, Any], root: dict[str, Any], info: inspect.Type, where: str
) -> list[str]:
    if not isinstance(info, inspect.StructType):
        return [f"{where}: object in the schema, {info!r} in the struct"]
    properties: dict[str, Any] = node.get("properties", {})
    fields = {f.encode_name: f for f in info.fields}
    problems = []
    if set(fields) != set(properties):
        problems.append(f"{where}: fields {sorted(fields)} != schema properties {sorted(properties)}")
    required = {name for name, f in fields.items() if f.required}
    if required != set(node.get("required", [])):
        problems.append(f"{where}: required {sorted(required)} != schema {sorted(node.get('required', []))}")
    if info.forbid_unknown_fields != (node.get("additionalProperties", True) is False):
        problems.append(f"{where}: forbid_unknown_fields does not follow additionalProperties")
    for name in sorted(set(fields) & set(properties)):
        problems += _mismatches(properties[name], root, fields[name].type, f"{where}.{name}")
    return problems


@pytest.mark.parametrize(("action", "kind", "struct"), MESSAGES)
def test_struct_matches_its_schema(action: str, kind: str, struct: type[msgspec.Struct]) -> None:
    schema = _schema(action, kind)
    top = {**schema, "type": "object"}
    assert _mismatches(top, schema, inspect.type_info(struct), struct.__name__) == []


@pytest.mark.parametrize("full", [False, True], ids=["required-only", "every-field"])
@pytest.mark.parametrize(("action", "kind", "struct"), MESSAGES)
def test_built_instance_is_schema_valid_and_round_trips(
    action: str, kind: str, struct: type[msgspec.Struct], full: bool
) -> None:
    instance = build_instance(struct, full=full)
    wire = msgspec.json.encode(instance)
    assert VALIDATOR.validate_payload(action, kind, json.loads(wire)) == []
    assert decode_payload(wire, struct, unique_id="id-1", action=action) == instance


def test_every_schema_file_has_its_action() -> None:
    # the reverse direction: no official message is missing from ACTIONS
    stems = {p.stem for p in SCHEMAS.glob("*.json")}
    actions = {s.removesuffix("Request") for s in stems if s.endswith("Request")}
    assert actions == set(v201.ACTIONS)
    assert {s.removesuffix("Response") for s in stems if s.endswith("Response")} == actions


def test_generator_reproduces_the_committed_module() -> None:
    committed = Path(v201.__file__).with_name("_messages.py").read_text(encoding="utf-8")
    assert Generator("2.0.1").generate(SCHEMAS) == committed, (
        "fleet/ocpp/v201/_messages.py differs from the generator's output: "
        "run `python -m fleet.ocpp._generate` and commit the result"
    )


def test_the_comparison_sees_a_wrong_struct() -> None:
    # guards the checker above: a struct compared with another message's schema must not pass
    schema = _schema("Heartbeat", "response")
    info = inspect.type_info(v201.BootNotificationResponse)
    problems = _mismatches({**schema, "type": "object"}, schema, info, "BootNotificationResponse")
    assert any("fields" in p for p in problems)
    assert any("required" in p for p in problems)
