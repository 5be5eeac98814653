"""Hypothesis helpers for fuzzing an OCPP-J peer: JSON junk, one-field mutations of a payload,
a CALL whose request may be mutated, and a mutated answer to a pending CALL (a CALLRESULT, a
CALLERROR or a garbled envelope)."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import strategies as st

from support.instances import build_instance

JSON_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def plain_json(struct: msgspec.Struct) -> Any:
    """A message struct as the JSON value it goes on the wire as (dicts, lists, scalars)."""
    return json.loads(msgspec.json.encode(struct))


def mutate_json(value: Any, data: st.DataObject, depth: int = 0) -> Any:
    """Delete, retype or garble one field somewhere inside a JSON value."""
    if isinstance(value, dict) and value and depth < 4:
        key = data.draw(st.sampled_from(sorted(value)))
        how = data.draw(st.sampled_from(["delete", "retype", "descend", "add"]))
        copy = dict(value)
        if how == "delete":
            del copy[key]
        elif how == "retype":
            copy[key] = data.draw(JSON_JUNK)
        elif how == "add":
            copy[data.draw(st.text(min_size=1, max_size=10))] = data.draw(JSON_JUNK)
        else:
            copy[key] = mutate_json(copy[key], data, depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 4:
        index = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
        items = list(value)
        items[index] = mutate_json(items[index], data, depth + 1)
        return items
    return data.draw(JSON_JUNK)


def maybe_mutated_call(
    unique_id: str, action: str, request_type: type[msgspec.Struct], data: st.DataObject
) -> str:
    """A CALL of ``action`` with a minimal or full ``request_type`` instance, mutated half the time."""
    payload = plain_json(build_instance(request_type, full=data.draw(st.booleans())))
    mutated = mutate_json(payload, data) if data.draw(st.booleans()) else payload
    return json.dumps([2, unique_id, action, mutated])


def mutated_answer(unique_id: str, response: msgspec.Struct, data: st.DataObject) -> str:
    """An answer to the CALL ``unique_id`` built from a mutated ``response``: a CALLRESULT, a
    CALLERROR with a made-up code, or a CALLRESULT with an extra element."""
    payload = mutate_json(plain_json(response), data)
    envelope = data.draw(st.sampled_from(["result", "error", "garbled"]))
    if envelope == "result":
        return json.dumps([3, unique_id, payload])
    if envelope == "error":
        return json.dumps([4, unique_id, data.draw(st.text(max_size=20)), "x", {}])
    return json.dumps([3, unique_id, payload, data.draw(JSON_JUNK)])
