"""Property tests: whatever the peer sends, decoding gives a value or RemoteProtocolError, nothing else."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from fleet.ocpp import (
    Call,
    CallError,
    CallResult,
    ErrorCode,
    RemoteProtocolError,
    decode_frame,
    decode_payload,
    v201,
)
from support.instances import build_instance

ACTIONS = sorted(v201.ACTIONS)


def _valid_frames() -> list[tuple[str, str]]:
    """(action, frame) for a required-only and a full request and response of every action."""
    frames = []
    for action in ACTIONS:
        request, response = v201.ACTIONS[action]
        for full in (False, True):
            req = msgspec.json.encode([2, f"id-{action}"[:36], action, build_instance(request, full=full)])
            res = msgspec.json.encode([3, f"id-{action}"[:36], build_instance(response, full=full)])
            frames += [(action, req.decode()), (action, res.decode())]
    return frames


VALID_FRAMES = _valid_frames()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def decode_everything(data: str | bytes, action_hint: str) -> object:
    """The whole receive path of a peer: envelope, then payload by action (or by the hint for answers)."""
    try:
        frame = decode_frame(data)
    except RemoteProtocolError as error:
        assert isinstance(error.error_code, ErrorCode)
        return error
    if isinstance(frame, CallError):
        assert isinstance(frame.error_code, str)
        return frame
    if isinstance(frame, Call):
        action = frame.action
        struct = v201.ACTIONS[action][0] if action in v201.ACTIONS else None
    else:
        assert isinstance(frame, CallResult)
        action, struct = action_hint, v201.ACTIONS[action_hint][1]
    if struct is None:
        return frame
    try:
        value = decode_payload(frame.payload, struct, unique_id=frame.unique_id, action=action)
    except RemoteProtocolError as error:
        assert isinstance(error.error_code, ErrorCode)
        assert error.unique_id == frame.unique_id
        return error
    assert isinstance(value, struct)
    return value


@given(data=st.binary(max_size=400), action=st.sampled_from(ACTIONS))
def test_random_bytes(data: bytes, action: str) -> None:
    decode_everything(data, action)


@given(text=st.text(st.characters(exclude_categories=()), max_size=200), action=st.sampled_from(ACTIONS))
def test_random_text_including_lone_surrogates(text: str, action: str) -> None:
    decode_everything(text, action)


# byte-level mutations: (kind, position as a fraction of the length, a byte, a length)
mutations = st.lists(
    st.tuples(
        st.sampled_from(["replace", "delete", "insert", "duplicate", "truncate"]),
        st.floats(min_value=0, max_value=1),
        st.integers(min_value=0, max_value=255),
        st.integers(min_value=1, max_value=8),
    ),
    min_size=1,
    max_size=6,
)


def _mutate(data: bytes, steps: list[tuple[str, float, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, where, byte, length in steps:
        at = min(int(where * len(buf)), max(len(buf) - 1, 0))
        if kind == "replace" and buf:
            buf[at] = byte
        elif kind == "delete":
            del buf[at : at + length]
        elif kind == "insert":
            buf[at:at] = bytes([byte]) * length
        elif kind == "duplicate":
            buf[at:at] = buf[at : at + length]
        elif kind == "truncate":
            del buf[at:]
    return bytes(buf)


@given(frame=st.sampled_from(VALID_FRAMES), steps=mutations)
def test_byte_mutated_valid_frames(frame: tuple[str, str], steps: list[tuple[str, float, int, int]]) -> None:
    action, text = frame
    decode_everything(_mutate(text.encode(), steps), action)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(node: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], rest, new)}
    return [_replace(v, rest, new) if i == head else v for i, v in enumerate(node)]


@given(frame=st.sampled_from(VALID_FRAMES), choice=st.floats(min_value=0, max_value=1), new=json_values)
def test_json_mutated_valid_frames(frame: tuple[str, str], choice: float, new: object) -> None:
    # structure-aware: any one node of a valid frame (envelope or payload) replaced by any JSON value
    action, text = frame
    tree = json.loads(text)
    paths = _paths(tree)
    path = paths[min(int(choice * len(paths)), len(paths) - 1)]
    decode_everything(json.dumps(_replace(tree, path, new)), action)


def test_unmutated_frames_decode_to_their_structs() -> None:
    # the mutation tests start from frames that are valid: prove it, else they test nothing useful
    for action, text in VALID_FRAMES:
        assert isinstance(decode_everything(text, action), msgspec.Struct)
        assert not isinstance(decode_everything(text, action), RemoteProtocolError)
