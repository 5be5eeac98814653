"""The two error types at the protocol edge (as in h11) and the OCPP-J RPC error codes."""

from __future__ import annotations

from enum import StrEnum


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
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"


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
