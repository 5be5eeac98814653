"""The wire: OCPP-J frames and typed messages. Depends on msgspec only."""

from fleet.ocpp import v201
from fleet.ocpp._errors import ErrorCode, LocalProtocolError, RemoteProtocolError
from fleet.ocpp._frames import (
    Call,
    CallError,
    CallResult,
    Frame,
    decode_frame,
    decode_payload,
    encode_call,
    encode_call_error,
    encode_call_result,
    encode_payload,
)

__all__ = [
    "Call",
    "CallError",
    "CallResult",
    "ErrorCode",
    "Frame",
    "LocalProtocolError",
    "RemoteProtocolError",
    "decode_frame",
    "decode_payload",
    "encode_call",
    "encode_call_error",
    "encode_call_result",
    "encode_payload",
    "v201",
]
