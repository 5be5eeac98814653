"""The wire: OCPP-J frames and typed messages. Depends on msgspec only."""

from fleet.ocpp import v16, v201
from fleet.ocpp._answers import answer_status
from fleet.ocpp._errors import (
    OCPP16_CODES,
    OCPP16_ERROR_CODES,
    ErrorCode,
    LocalProtocolError,
    RemoteProtocolError,
    ocpp16_error_code,
)
from fleet.ocpp._frames import (
    UNREADABLE_MESSAGE_ID,
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
    refusal_message_id,
)
from fleet.ocpp._tokens import BLOCKED_TOKEN_PREFIX

__all__ = [
    "BLOCKED_TOKEN_PREFIX",
    "OCPP16_CODES",
    "OCPP16_ERROR_CODES",
    "UNREADABLE_MESSAGE_ID",
    "Call",
    "CallError",
    "CallResult",
    "ErrorCode",
    "Frame",
    "LocalProtocolError",
    "RemoteProtocolError",
    "answer_status",
    "decode_frame",
    "decode_payload",
    "encode_call",
    "encode_call_error",
    "encode_call_result",
    "encode_payload",
    "ocpp16_error_code",
    "refusal_message_id",
    "v16",
    "v201",
]
