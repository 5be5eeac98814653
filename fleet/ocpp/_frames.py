"""OCPP-J frames: ``[2, id, action, payload]``, ``[3, id, payload]``, ``[4, id, code, text, details]``.

The envelope is decoded once; the payload stays ``msgspec.Raw`` until the caller knows which
struct it is (from the action of a CALL, or from the pending call's action for a CALLRESULT).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from fleet.ocpp._errors import ErrorCode, RemoteProtocolError
from fleet.ocpp._payload_errors import UNDECODABLE, payload_error_code

MAX_UNIQUE_ID_LENGTH = 36  # OCPP-J: "maximum of 36 characters"
# OCPP 2.0.1 part 4, 4.2.3: "When also the MessageId cannot be read, the CALLERROR SHALL contain
# "-1" as MessageId." (OCPP-J 1.6 names no id for that case; a 1.6 peer gets the same.)
UNREADABLE_MESSAGE_ID = "-1"


class Call(msgspec.Struct, tag=2, array_like=True, forbid_unknown_fields=True, gc=False):
    unique_id: str
    action: str
    payload: msgspec.Raw


class CallResult(msgspec.Struct, tag=3, array_like=True, forbid_unknown_fields=True, gc=False):
    unique_id: str
    payload: msgspec.Raw


class CallError(msgspec.Struct, tag=4, array_like=True, forbid_unknown_fields=True, gc=False):
    unique_id: str
    error_code: str
    error_description: str
    error_details: msgspec.Raw


Frame = Call | CallResult | CallError

_frame_decoder = msgspec.json.Decoder(Frame)
_loose_decoder = msgspec.json.Decoder(list[Any])
_encoder = msgspec.json.Encoder()
_EMPTY_OBJECT = msgspec.Raw(b"{}")

T = TypeVar("T")


def decode_frame(data: bytes | str) -> Frame:
    """Decode an OCPP-J envelope; raise RemoteProtocolError for anything that is not one."""
    try:
        frame: Frame = _frame_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise _envelope_error(data, exc) from None
    except UNDECODABLE as exc:
        raise RemoteProtocolError(
            f"not a decodable JSON text: {type(exc).__name__}", error_code=ErrorCode.RPC_FRAMEWORK_ERROR
        ) from None
    if len(frame.unique_id) > MAX_UNIQUE_ID_LENGTH or not frame.unique_id:
        raise RemoteProtocolError(
            f"message id must be 1..{MAX_UNIQUE_ID_LENGTH} characters, got {len(frame.unique_id)}",
            error_code=ErrorCode.RPC_FRAMEWORK_ERROR,
        )
    return frame


def refusal_message_id(exc: RemoteProtocolError, data: bytes | str) -> str | None:
    """The message id of the CALLERROR that answers a frame ``decode_frame`` refused: the frame's
    own id when it can be read, ``UNREADABLE_MESSAGE_ID`` ("-1") when not (not JSON, not an array,
    an id that is no string of 1..36 characters), or None for a broken CALLRESULT or CALLERROR,
    which is never answered (the peer answering our answer would start an error ping-pong)."""
    try:
        loose = _loose_decoder.decode(data)
    except (msgspec.DecodeError, *UNDECODABLE):
        return UNREADABLE_MESSAGE_ID
    if loose and type(loose[0]) is int and loose[0] in (3, 4):
        return None
    return exc.unique_id if exc.unique_id is not None else UNREADABLE_MESSAGE_ID


def _envelope_error(data: bytes | str, exc: msgspec.DecodeError) -> RemoteProtocolError:
    unique_id: str | None = None
    code = ErrorCode.RPC_FRAMEWORK_ERROR
    try:
        loose = _loose_decoder.decode(data)
    except (msgspec.DecodeError, *UNDECODABLE):
        return RemoteProtocolError(f"not a JSON array: {exc}", error_code=code)
    if len(loose) >= 2 and isinstance(loose[1], str) and 0 < len(loose[1]) <= MAX_UNIQUE_ID_LENGTH:
        unique_id = loose[1]
    # `type is int`: JSON true and 2.0 decode to values equal to ints but are no message type id
    message_type = loose[0] if loose and type(loose[0]) is int else None
    if message_type is not None and message_type not in (2, 3, 4):
        code = ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED
    elif message_type == 2 and unique_id is not None:
        # a CALL whose id we can read but whose shape is wrong
        code = ErrorCode.FORMAT_VIOLATION
    return RemoteProtocolError(f"malformed OCPP-J frame: {exc}", error_code=code, unique_id=unique_id)


def decode_payload(
    raw: msgspec.Raw | bytes,
    type_: type[T],
    *,
    unique_id: str,
    action: str,
    error_codes: Mapping[ErrorCode, ErrorCode] | None = None,
) -> T:
    """Decode a payload into its message struct, mapping failures to OCPP error codes.

    A valid payload costs one msgspec call; a failed one is looked at again to choose its code
    (``payload_error_code``: by the stage that failed and the rule of the struct it breaks).
    ``error_codes`` renames the (2.0.1) codes for another version: pass ``OCPP16_ERROR_CODES``
    for 1.6, which says FormationViolation and OccurenceConstraintViolation.
    """
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.DecodeError as exc:  # ValidationError included
        text = f"{action}: {exc}"
    except UNDECODABLE as exc:
        text = f"{action}: payload not decodable ({type(exc).__name__})"
    code = payload_error_code(raw, type_)
    if error_codes is not None:
        code = error_codes.get(code, code)
    raise RemoteProtocolError(text, error_code=code, unique_id=unique_id, action=action)


def encode_call(unique_id: str, action: str, payload: msgspec.Struct) -> str:
    return _encoder.encode((2, unique_id, action, payload)).decode()


def encode_call_result(unique_id: str, payload: msgspec.Struct) -> str:
    return _encoder.encode((3, unique_id, payload)).decode()


def encode_call_error(
    unique_id: str, error_code: ErrorCode | str, description: str = "", details: dict[str, Any] | None = None
) -> str:
    # OCPP-J: the description is at most 255 characters, details an object ({} when none)
    return _encoder.encode(
        (4, unique_id, str(error_code), description[:255], details if details is not None else _EMPTY_OBJECT)
    ).decode()


def encode_payload(payload: msgspec.Struct) -> bytes:
    return _encoder.encode(payload)
