"""The mergeable metrics' wire form: a msgspec struct to plain JSON-ready data and back, with one
error message shape for data that does not fit (a worker of another version, a hand-edited file)."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def to_plain(data: msgspec.Struct) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.to_builtins(data)
    return result


def from_plain(data: Any, shape: type[T], what: str) -> T:
    """``data`` as ``shape``; ValueError names ``what`` it was and the field that is wrong."""
    try:
        return msgspec.convert(data, shape)
    except msgspec.ValidationError as exc:
        raise ValueError(f"{what} data is malformed: {exc}") from None
