"""Decode a parsed profile table into a `Profile`, turning msgspec's errors into `ProfileProblem`s.

msgspec says ``Expected `int` >= 1 - at `$.station_types[0].evses```: precise, but written for
programmers and without the offending value. A user editing a TOML file wants the field path
as they wrote it, the expectation in words, and what they actually wrote, so this module parses
msgspec's message, looks the value up in the parsed table and describes the expected type from
the schema itself (``msgspec.inspect``) where msgspec's text does not say it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Final

import msgspec
import msgspec.inspect as mi

from fleet.behaviour._profile_problem import MISSING, ProfileProblem, show_value
from fleet.behaviour._profile_schema import Profile

Segment = str | int

_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_SEGMENT = re.compile(r"\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>\d+)\]")
_TYPE_WORDS: Final = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "array": "an array",
    "object": "a table",
}
_NOT_FOUND: Final = object()


def decode_profile(data: dict[str, Any]) -> Profile | ProfileProblem:
    try:
        return msgspec.convert(data, Profile)
    except msgspec.ValidationError as exc:
        return problem_from_validation_error(str(exc), data)


def problem_from_validation_error(text: str, data: dict[str, Any]) -> ProfileProblem:
    match = _AT.match(text)
    message = match["message"] if match else text
    segments = parse_path(match["path"] if match and match["path"] else "$")
    schema = mi.type_info(Profile)

    if named := re.fullmatch(r"Object missing required field `(\w+)`", message):
        segments = [*segments, named[1]]
        expected = describe(_type_at(schema, segments, data))
        return ProfileProblem(format_path(segments), expected, MISSING)

    if named := re.fullmatch(r"Object contains unknown field `(\w+)`", message):
        known = _field_names(_type_at(schema, segments, data))
        expected = "one of the known fields " + ", ".join(known)
        close = difflib.get_close_matches(named[1], known, n=1)
        if close:
            expected += f' (did you mean "{close[0]}"?)'
        segments = [*segments, named[1]]
        return ProfileProblem(format_path(segments), expected, _found(data, segments))

    if message.startswith("Invalid enum value"):
        expected = describe(_type_at(schema, segments, data))
        return ProfileProblem(format_path(segments), expected, _found(data, segments))

    if message.startswith("Invalid value") and segments:
        # a tagged union's tag (``kind``) names no known variant
        choices = _tags(_type_at(schema, segments[:-1], {}))
        expected = "one of " + ", ".join(f'"{tag}"' for tag in choices) if choices else "a valid value"
        return ProfileProblem(format_path(segments), expected, _found(data, segments))

    if expectation := re.match(r"Expected (.*?)(?:, got .*)?$", message):
        expected = re.sub(r"`([^`]+)`", lambda m: _words(m[1]), expectation[1])
        return ProfileProblem(format_path(segments), expected, _found(data, segments))

    return ProfileProblem(format_path(segments), message[:1].lower() + message[1:], _found(data, segments))


def parse_path(path: str) -> list[Segment]:
    """``$.station_types[0].evses`` -> ``["station_types", 0, "evses"]``."""
    return [
        int(m["index"]) if m["index"] is not None else m["key"] for m in _SEGMENT.finditer(path.lstrip("$"))
    ]


def format_path(segments: list[Segment]) -> str:
    text = ""
    for segment in segments:
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else segment)
    return text or "(top level)"


def lookup(data: object, segments: list[Segment]) -> object:
    """The value at ``segments`` in the parsed TOML, or ``_NOT_FOUND``."""
    for segment in segments:
        if isinstance(data, list) and isinstance(segment, int) and segment < len(data):
            data = data[segment]
            continue
        if isinstance(data, dict) and isinstance(segment, str) and segment in data:
            data = data[segment]
            continue
        return _NOT_FOUND
    return data


def describe(info: mi.Type | None) -> str:
    """The schema type in words: ``an integer >= 1``, ``one of "AC", "DC"``."""
    if isinstance(info, mi.IntType | mi.FloatType):
        word = "an integer" if isinstance(info, mi.IntType) else "a number"
        bounds = [(">", info.gt), (">=", info.ge), ("<", info.lt), ("<=", info.le)]
        return " ".join([word, *(f"{op} {value:g}" for op, value in bounds if value is not None)])
    if isinstance(info, mi.StrType):
        return "a string"
    if isinstance(info, mi.BoolType):
        return "true or false"
    if isinstance(info, mi.LiteralType):
        return "one of " + ", ".join(show_value(value) for value in info.values)
    if isinstance(info, mi.ListType):
        length = f" of {info.min_length} items" if info.min_length == info.max_length else ""
        return f"an array{length}" if length else "an array"
    if isinstance(info, mi.TupleType):
        return f"an array of {len(info.item_types)} items"
    if isinstance(info, mi.StructType):
        return "a table"
    if isinstance(info, mi.UnionType):
        tags = _tags(info)
        if tags:
            return "a table with kind = " + " | ".join(f'"{tag}"' for tag in tags)
        return " or ".join(describe(member) for member in info.types if not isinstance(member, mi.NoneType))
    return "a valid value"


def _words(type_names: str) -> str:
    # TOML has no null: "`float | null`" is just "a number" to a user
    names = [name.strip() for name in type_names.split("|") if name.strip() != "null"]
    return " or ".join(_TYPE_WORDS.get(name, name) for name in names)


def _found(data: dict[str, Any], segments: list[Segment]) -> str:
    value = lookup(data, segments)
    return MISSING if value is _NOT_FOUND else show_value(value)


def _type_at(info: mi.Type, segments: list[Segment], data: object) -> mi.Type | None:
    """The schema type at ``segments``; tagged unions are resolved with the tag found in ``data``."""
    current: mi.Type | None = _resolve(info, data)
    for segment in segments:
        data = lookup(data, [segment])
        if isinstance(current, mi.StructType) and isinstance(segment, str):
            field = next((f for f in current.fields if f.encode_name == segment), None)
            current = field.type if field else None
        elif isinstance(current, mi.UnionType) and _tags(current) and segment == _tag_field(current):
            current = mi.LiteralType(values=tuple(_tags(current)))
        elif isinstance(current, mi.ListType) and isinstance(segment, int):
            current = current.item_type
        elif isinstance(current, mi.TupleType) and isinstance(segment, int):
            current = current.item_types[segment] if segment < len(current.item_types) else None
        else:
            return None
        current = _resolve(current, data)
    return current


def _resolve(info: mi.Type | None, data: object) -> mi.Type | None:
    if not isinstance(info, mi.UnionType):
        return info
    members = [member for member in info.types if not isinstance(member, mi.NoneType)]
    if len(members) == 1:
        return members[0]
    if isinstance(data, dict):
        for member in members:
            if (
                isinstance(member, mi.StructType)
                and member.tag_field
                and data.get(member.tag_field) == member.tag
            ):
                return member
    return info


def _tags(info: mi.Type | None) -> list[str]:
    if not isinstance(info, mi.UnionType):
        return []
    return [str(m.tag) for m in info.types if isinstance(m, mi.StructType) and m.tag is not None]


def _tag_field(info: mi.UnionType) -> str | None:
    return next((m.tag_field for m in info.types if isinstance(m, mi.StructType) and m.tag_field), None)


def _field_names(info: mi.Type | None) -> list[str]:
    if not isinstance(info, mi.StructType):
        return []
    names = [f.encode_name for f in info.fields]
    if info.tag_field:
        names.insert(0, info.tag_field)
    return names
