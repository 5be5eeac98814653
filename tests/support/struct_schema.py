"""Compare a generated msgspec struct with the official JSON schema it was generated from.

Independent of the generator: it walks the schema and ``msgspec.inspect`` type information side
by side, so a generator bug shows as a difference instead of being reproduced.
"""

from __future__ import annotations

from typing import Any

from msgspec import inspect


def schema_mismatches(
    node: dict[str, Any], root: dict[str, Any], info: inspect.Type, where: str
) -> list[str]:
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
        return problems + schema_mismatches(node["items"], root, info.item_type, f"{where}[]")
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
        problems += schema_mismatches(properties[name], root, fields[name].type, f"{where}.{name}")
    return problems
