"""What a CSMS session reports to its shell. Made only for CSMS-initiated calls and violations,
never per ordinary message, so a busy server allocates nothing here on the hot path."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec


@dataclass(frozen=True, slots=True)
class CsmsCallResult:
    """A CALL the CSMS sent (see ``CsmsSession.call``) was answered; ``payload`` is the typed response."""

    unique_id: str
    action: str
    payload: msgspec.Struct


@dataclass(frozen=True, slots=True)
class CsmsCallError:
    """A CALL the CSMS sent was answered with a CALLERROR, or with a CALLRESULT whose payload
    does not match the response schema (then ``code`` is the violated OCPP error code)."""

    unique_id: str
    action: str
    code: str
    description: str


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """The station sent something illegal. ``answered`` tells whether a CALLERROR went back
    (only possible when the message id could be read and the frame was a CALL)."""

    code: str
    description: str
    unique_id: str | None
    answered: bool


@dataclass(frozen=True, slots=True)
class InternalFault:
    """A bug in the CSMS itself while handling a frame. The session kept serving (it is a server),
    but tests treat any of these as a failure."""

    description: str
    unique_id: str | None


CsmsEvent = CsmsCallResult | CsmsCallError | ProtocolViolation | InternalFault
