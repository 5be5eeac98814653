"""Which OCPP error code a payload that failed to decode deserves, found by looking at the payload.

``decode_payload`` decodes a payload into its message struct in one msgspec call: the valid path
costs nothing more. Only when that call fails is the payload looked at again, in two stages:

1. Is it JSON at all? Decoded untyped: a syntax error, invalid UTF-8 or nesting too deep is a
   FormatViolation.
2. Which rule of the struct does the JSON value break? Checked here against the struct's shape as
   ``msgspec.inspect`` describes it (never from the wording of msgspec's error message):

   - an object without a required field: OccurrenceConstraintViolation;
   - a field the struct does not know (where it forbids unknown fields): FormatViolation;
   - a value of the wrong JSON type, or a date-time that is no RFC 3339 one or lacks the time
     zone the field requires: TypeConstraintViolation;
   - a value of the right type out of its bounds (a string or array too long or too short, a
     number out of range, a string not matching its pattern, a value outside its enumeration):
     PropertyConstraintViolation.

The first violation in document order decides, as msgspec stops at the first it meets (within an
object its fields in order, then the required ones missing; within an array its items, then its
length). A value breaking no rule this module knows of (a kind of type it does not check) is a
FormatViolation, as is anything else that is no well-formed payload.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec
from msgspec import inspect as mi

from fleet.ocpp._errors import ErrorCode

# msgspec raises these, not DecodeError, for invalid UTF-8 inside a JSON string, for a str holding
# lone surrogates and for JSON nested deeper than its recursion limit: all garbage from the peer
UNDECODABLE = (UnicodeError, RecursionError)

_TYPE = ErrorCode.TYPE_CONSTRAINT_VIOLATION
_PROPERTY = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
_untyped_decoder = msgspec.json.Decoder()

_Check = Callable[[Any, Any], ErrorCode | None]


def payload_error_code(raw: msgspec.Raw | bytes, type_: Any) -> ErrorCode:
    """The error code of a payload that did not decode into ``type_`` (the 2.0.1 vocabulary)."""
    try:
        value = _untyped_decoder.decode(raw)
    except (msgspec.DecodeError, *UNDECODABLE):
        return ErrorCode.FORMAT_VIOLATION
    return _violation(value, _shape(type_)) or ErrorCode.FORMAT_VIOLATION


@lru_cache(maxsize=1024)
def _shape(type_: Any) -> mi.Type:
    return mi.type_info(type_)


def _violation(value: Any, shape: mi.Type) -> ErrorCode | None:
    check = _CHECKS.get(type(shape))
    return check(value, shape) if check is not None else None


def _struct(value: Any, shape: mi.StructType) -> ErrorCode | None:
    if shape.array_like or type(value) is not dict:
        return None if shape.array_like else _TYPE
    fields = {field.encode_name: field for field in shape.fields}
    for key, item in value.items():
        field = fields.get(key)
        if field is None:
            if shape.forbid_unknown_fields and key != shape.tag_field:
                return ErrorCode.FORMAT_VIOLATION
            continue
        code = _violation(item, field.type)
        if code is not None:
            return code
    if any(field.required and name not in value for name, field in fields.items()):
        return ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION
    return None


def _array(
    value: Any, shape: mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType
) -> ErrorCode | None:
    if type(value) is not list:
        return _TYPE
    return _items(((item, shape.item_type) for item in value), len(value), shape)


def _dict(value: Any, shape: mi.DictType) -> ErrorCode | None:
    if type(value) is not dict:
        return _TYPE
    pairs = (
        (part, rule)
        for key, item in value.items()
        for part, rule in ((key, shape.key_type), (item, shape.value_type))
    )
    return _items(pairs, len(value), shape)


def _items(
    parts: Iterable[tuple[Any, mi.Type]],
    n: int,
    shape: mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType | mi.DictType,
) -> ErrorCode | None:
    """The first part of a collection that breaks its rule decides, then the collection's length."""
    for part, rule in parts:
        code = _violation(part, rule)
        if code is not None:
            return code
    return _length(n, shape.min_length, shape.max_length)


def _str(value: Any, shape: mi.StrType) -> ErrorCode | None:
    if type(value) is not str:
        return _TYPE
    if shape.pattern is not None and re.search(shape.pattern, value) is None:
        return _PROPERTY
    return _length(len(value), shape.min_length, shape.max_length)


def _length(n: int, min_length: int | None, max_length: int | None) -> ErrorCode | None:
    too_short = min_length is not None and n < min_length
    return _PROPERTY if too_short or (max_length is not None and n > max_length) else None


def _int(value: Any, shape: mi.IntType) -> ErrorCode | None:
    return _bounds(value, shape) if type(value) is int else _TYPE


def _float(value: Any, shape: mi.FloatType) -> ErrorCode | None:
    return _bounds(value, shape) if type(value) in (int, float) else _TYPE


def _bounds(value: float, shape: mi.IntType | mi.FloatType) -> ErrorCode | None:
    if (
        (shape.ge is not None and value < shape.ge)
        or (shape.gt is not None and value <= shape.gt)
        or (shape.le is not None and value > shape.le)
        or (shape.lt is not None and value >= shape.lt)
        or (shape.multiple_of is not None and value % shape.multiple_of)
    ):
        return _PROPERTY
    return None


def _date_time(value: Any, shape: mi.DateTimeType) -> ErrorCode | None:
    if type(value) is not str:
        return _TYPE
    try:
        parsed = msgspec.convert(value, datetime)  # msgspec's own RFC 3339 parser, as in decoding
    except msgspec.ValidationError:
        return _TYPE
    if shape.tz is not None and shape.tz != (parsed.tzinfo is not None):
        return _TYPE
    return None


def _one_of(value: Any, allowed: tuple[Any, ...]) -> ErrorCode | None:
    """A literal or enum value: the right JSON type but not one of the values is out of bounds."""
    if any(type(option) is type(value) and option == value for option in allowed):
        return None
    return _PROPERTY if any(type(option) is type(value) for option in allowed) else _TYPE


def _union(value: Any, shape: mi.UnionType) -> ErrorCode | None:
    """The member of the JSON type of the value decides (msgspec allows one member per JSON type)."""
    member = next((t for t in shape.types if type(value) in _json_types(t)), None)
    return _TYPE if member is None else _violation(value, member)


def _json_types(shape: mi.Type) -> tuple[type, ...]:
    if isinstance(shape, mi.LiteralType):
        return tuple({type(option) for option in shape.values})
    if isinstance(shape, mi.EnumType):
        return tuple({type(member.value) for member in shape.cls})
    if isinstance(shape, mi.StructType):
        return (list,) if shape.array_like else (dict,)
    return _JSON_TYPES.get(type(shape), ())


_JSON_TYPES: dict[type, tuple[type, ...]] = {
    mi.AnyType: (type(None), bool, int, float, str, list, dict),
    mi.NoneType: (type(None),),
    mi.BoolType: (bool,),
    mi.IntType: (int,),
    mi.FloatType: (int, float),
    mi.StrType: (str,),
    mi.DateTimeType: (str,),
    mi.ListType: (list,),
    mi.SetType: (list,),
    mi.FrozenSetType: (list,),
    mi.VarTupleType: (list,),
    mi.DictType: (dict,),
}

_CHECKS: dict[type, _Check] = {
    mi.AnyType: lambda value, shape: None,
    mi.NoneType: lambda value, shape: None if value is None else _TYPE,
    mi.BoolType: lambda value, shape: None if type(value) is bool else _TYPE,
    mi.IntType: _int,
    mi.FloatType: _float,
    mi.StrType: _str,
    mi.DateTimeType: _date_time,
    mi.LiteralType: lambda value, shape: _one_of(value, shape.values),
    mi.EnumType: lambda value, shape: _one_of(value, tuple(member.value for member in shape.cls)),
    mi.ListType: _array,
    mi.SetType: _array,
    mi.FrozenSetType: _array,
    mi.VarTupleType: _array,
    mi.DictType: _dict,
    mi.StructType: _struct,
    mi.UnionType: _union,
}
