"""Build message struct instances from their type information alone (no hand-written fixtures).

``build_instance(v201.BootNotificationRequest)`` fills only the required fields (the smallest
valid message); ``full=True`` fills every optional field too, strings at their maximum length,
lists at their maximum size (capped) - the largest message the schema allows, near enough.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
from msgspec import inspect

FIXED_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
MAX_LIST_ITEMS = 3  # keeps "full" messages small: 3 is enough to show list handling works
MAX_DEPTH = 20

_Struct = TypeVar("_Struct", bound=msgspec.Struct)


def build_instance(struct_type: type[_Struct], *, full: bool = False) -> _Struct:
    """An instance of ``struct_type`` whose fields all satisfy their declared constraints."""
    value = _build(inspect.type_info(struct_type), full, 0, struct_type.__name__)
    assert isinstance(value, struct_type)
    return value


def _build(info: inspect.Type, full: bool, depth: int, where: str) -> Any:
    if depth > MAX_DEPTH:
        raise RecursionError(f"{where}: type nests deeper than {MAX_DEPTH}; recursive definition?")
    if isinstance(info, inspect.StructType):
        values = {
            f.name: _build(f.type, full, depth + 1, f"{where}.{f.name}")
            for f in info.fields
            if f.required or full
        }
        return info.cls(**values)
    if isinstance(info, inspect.ListType):
        low = info.min_length or 0
        high = info.max_length if info.max_length is not None else max(low, 1)
        count = min(max(low, high if full else low), max(low, MAX_LIST_ITEMS))
        return [_build(info.item_type, full, depth + 1, f"{where}[]") for _ in range(count)]
    if isinstance(info, inspect.LiteralType):
        return info.values[-1] if full else info.values[0]
    if isinstance(info, inspect.StrType):
        length = info.max_length if full and info.max_length is not None else 1
        return "x" * max(length, info.min_length or 0)
    if isinstance(info, inspect.IntType):
        return _number(info, 1)
    if isinstance(info, inspect.FloatType):
        return float(_number(info, 1))
    if isinstance(info, inspect.BoolType):
        return True
    if isinstance(info, inspect.DateTimeType):
        return FIXED_TIME
    if isinstance(info, inspect.AnyType):
        return {"free": ["json", 1]} if full else "x"
    if isinstance(info, inspect.UnionType):
        # optional fields are `X | UnsetType`; build the real member
        members = [t for t in info.types if not isinstance(t, inspect.NoneType)]
        return _build(members[0], full, depth + 1, where)
    raise TypeError(f"{where}: no builder for {info!r}; extend tests/support/instances.py")


def _number(info: inspect.IntType | inspect.FloatType, preferred: int) -> int:
    low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
    high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
    value = preferred
    if low is not None:
        value = max(value, int(low))
    if high is not None:
        value = min(value, int(high))
    return value
