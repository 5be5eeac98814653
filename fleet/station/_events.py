"""What a station reports to its shell. Frozen, slotted, cheap: one is made per message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BootStatus = Literal["Accepted", "Pending", "Rejected"]


@dataclass(frozen=True, slots=True)
class CallSucceeded:
    """A CALL we sent got its CALLRESULT. Latency = completed_at - intended_at (coordinated omission:
    ``intended_at`` is when the message was due, not when the shell got round to sending it)."""

    action: str
    unique_id: str
    intended_at: float
    completed_at: float


@dataclass(frozen=True, slots=True)
class CallFailed:
    """A CALL we sent got a CALLERROR (``error_code`` from the CSMS), or no answer in time
    (``error_code`` = "Timeout"), or the connection dropped while waiting ("ConnectionLost")."""

    action: str
    unique_id: str
    intended_at: float
    completed_at: float
    error_code: str
    description: str


@dataclass(frozen=True, slots=True)
class RequestAnswered:
    """The CSMS sent us a CALL and we answered it (CALLRESULT, or CALLERROR when ``error_code`` is set)."""

    action: str
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class BootStatusChanged:
    status: BootStatus
    interval: int


@dataclass(frozen=True, slots=True)
class ConnectorStatusChanged:
    evse_id: int
    connector_id: int
    status: str


@dataclass(frozen=True, slots=True)
class TransactionStarted:
    evse_id: int
    transaction_id: str
    offline: bool


@dataclass(frozen=True, slots=True)
class TransactionEnded:
    evse_id: int
    transaction_id: str
    stopped_reason: str
    energy_wh: float


@dataclass(frozen=True, slots=True)
class EnergyMetered:
    """A meter reading of an EVSE (1.6: a connector) went out: ``wh`` is the energy register's
    growth since that EVSE's previous reading, so the readings of a transaction add up to its
    energy, the final one included, and nothing is counted twice. Raised only when ``wh`` > 0."""

    evse_id: int
    wh: float


@dataclass(frozen=True, slots=True)
class RebootRequested:
    """The station resets: the shell must close the connection and call ``connected`` again
    once it has reconnected. The station then boots with ``reason``."""

    reason: str


@dataclass(frozen=True, slots=True)
class ReconnectRequested:
    """The connection settings changed (``reason``: e.g. "BasicAuthPassword"): the shell sends
    what is queued, closes the connection and reconnects with the settings now in the device
    model. The station does not reboot."""

    reason: str


@dataclass(frozen=True, slots=True)
class MessageDropped:
    """A message the station gave up on (retries exhausted, or the offline queue overflowed).
    Recorded, never silently lost."""

    action: str
    reason: str


Event = (
    CallSucceeded
    | CallFailed
    | RequestAnswered
    | BootStatusChanged
    | ConnectorStatusChanged
    | TransactionStarted
    | TransactionEnded
    | EnergyMetered
    | RebootRequested
    | ReconnectRequested
    | MessageDropped
)
