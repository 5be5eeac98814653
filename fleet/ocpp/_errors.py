"""The two error types at the protocol edge (as in h11) and the OCPP-J RPC error codes."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class ErrorCode(StrEnum):
    """OCPP-J CALLERROR codes (OCPP 2.0.1 part 4, section 4.3; FormationViolation is 1.6's name)."""

    FORMAT_VIOLATION = "FormatViolation"
    FORMATION_VIOLATION = "FormationViolation"
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    # OCPP-J 1.6 section 4.2.3 spells it with one "r"
    OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"


# 2.0.1 code -> the 1.6 code to send instead; 1.6 knows no RpcFrameworkError or
# MessageTypeNotSupported: a frame that is no OCPP-J RPC does "not conform the PDU structure"
OCPP16_ERROR_CODES: Mapping[ErrorCode, ErrorCode] = MappingProxyType(
    {
        ErrorCode.FORMAT_VIOLATION: ErrorCode.FORMATION_VIOLATION,
        ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION: ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
        ErrorCode.RPC_FRAMEWORK_ERROR: ErrorCode.FORMATION_VIOLATION,
        ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED: ErrorCode.FORMATION_VIOLATION,
    }
)

# the CALLERROR codes OCPP-J 1.6 defines (section 4.2.3)
OCPP16_CODES = frozenset(
    {
        ErrorCode.NOT_IMPLEMENTED,
        ErrorCode.NOT_SUPPORTED,
        ErrorCode.INTERNAL_ERROR,
        ErrorCode.PROTOCOL_ERROR,
        ErrorCode.SECURITY_ERROR,
        ErrorCode.FORMATION_VIOLATION,
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
        ErrorCode.TYPE_CONSTRAINT_VIOLATION,
        ErrorCode.GENERIC_ERROR,
    }
)


def ocpp16_error_code(code: ErrorCode) -> ErrorCode:
    """The 1.6 name of an error code (the 2.0.1 codes are the package's default vocabulary)."""
    return OCPP16_ERROR_CODES.get(code, code)


class LocalProtocolError(Exception):
    """We were asked to do something the protocol does not allow (a bug in the caller)."""


class RemoteProtocolError(Exception):
    """The peer sent something illegal.

    ``error_code`` is the OCPP error code to answer with; ``unique_id`` is the message id of
    the offending frame when it could be read (then a CALLERROR can be sent back), else None.
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: ErrorCode,
        unique_id: str | None = None,
        action: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.unique_id = unique_id
        self.action = action

    def __repr__(self) -> str:
        return f"RemoteProtocolError({self.error_code.value}: {self.message})"
