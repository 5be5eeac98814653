"""Faults in the answers to transaction messages, on chosen messages only (README "Fault injection").

``TxCallErrors``: transaction messages (2.0.1 TransactionEvent; 1.6 StartTransaction, MeterValues
of a transaction, StopTransaction) answered with a CALLERROR, chosen by event type (Started,
Updated, Ended), by a share of stations and of messages, for every attempt or the first N
attempts of each message, so a station's retry-then-drop policy (2.0.1 E13, 1.6
TransactionMessageAttempts) shows on the wire. ``TxTokenRefusal``: the idTokenInfo (1.6
idTagInfo) of the transaction answer says Invalid, Blocked or Expired for chosen tokens, while
Authorize still accepts them. Every choice is a pure function of (seed, what is chosen), so it
never flips between runs with one seed.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from fleet.ocpp import ErrorCode, v16, v201

TX_EVENT_TYPES = ("Started", "Updated", "Ended")
TokenStatus = Literal["Invalid", "Blocked", "Expired"]
TOKEN_STATUSES: tuple[TokenStatus, ...] = ("Invalid", "Blocked", "Expired")
_MAX_TRACKED = 100_000  # messages whose attempts are counted; the oldest are forgotten beyond


def share_chosen(seed: int, key: str | bytes, share: float) -> bool:
    """Whether ``key`` is in the seeded ``share`` (0..1): a pure function of (seed, key)."""
    if share >= 1.0:
        return True
    if share <= 0.0:
        return False
    data = key if isinstance(key, bytes) else key.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(data, digest_size=8, key=str(seed).encode()).digest()
    return int.from_bytes(digest, "big") / 2.0**64 < share


def _check_share(what: str, share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"{what}={share!r}: expected a share between 0 and 1 (or 0% to 100%)")


@dataclass(frozen=True, slots=True)
class TxCallErrors:
    """Which transaction messages the CSMS answers with a CALLERROR (none by default)."""

    events: frozenset[str] = frozenset()  # Started, Updated, Ended
    code: ErrorCode = ErrorCode.INTERNAL_ERROR
    station_share: float = 1.0
    message_share: float = 1.0
    attempts: int = 0  # refuse the first N attempts of each chosen message; 0: every attempt

    def __post_init__(self) -> None:
        for event in sorted(self.events):
            if event not in TX_EVENT_TYPES:
                raise ValueError(f"tx-callerror={event}: expected {', '.join(TX_EVENT_TYPES)} or all")
        _check_share("tx-callerror-stations", self.station_share)
        _check_share("tx-callerror-messages", self.message_share)
        if self.attempts < 0:
            raise ValueError(f"tx-callerror-attempts={self.attempts}: expected a whole number >= 0")

    def __bool__(self) -> bool:
        return bool(self.events)

    def describe(self) -> str:
        events = "/".join(event for event in TX_EVENT_TYPES if event in self.events)
        attempts = f", first {self.attempts} attempt(s)" if self.attempts else ""
        return (
            f"{events}: {self.code.value} to {self.station_share:.0%} of stations, "
            f"{self.message_share:.0%} of messages{attempts}"
        )


@dataclass(frozen=True, slots=True)
class TxTokenRefusal:
    """Which idTokens the transaction answer refuses, and with what status (none by default)."""

    status: TokenStatus | None = None
    pattern: str = "*"  # a glob the token must match
    share: float = 1.0  # of the matching tokens

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in TOKEN_STATUSES:
            raise ValueError(f"tx-token={self.status}: expected one of {', '.join(TOKEN_STATUSES)}")
        _check_share("tx-token-share", self.share)

    def status_for(self, token: str, seed: int) -> TokenStatus | None:
        """The refusing status for ``token`` (None: the usual answer)."""
        if self.status is None or not fnmatch.fnmatchcase(token, self.pattern):
            return None
        return self.status if share_chosen(seed, token, self.share) else None


def transaction_event_type(request: msgspec.Struct) -> str | None:
    """Started, Updated or Ended for a transaction message of either version; None otherwise."""
    if isinstance(request, v201.TransactionEventRequest):
        return request.event_type
    if isinstance(request, v16.StartTransactionRequest):
        return "Started"
    if isinstance(request, v16.StopTransactionRequest):
        return "Ended"
    if isinstance(request, v16.MeterValuesRequest) and request.transaction_id is not msgspec.UNSET:
        return "Updated"
    return None


@dataclass(slots=True)
class TxCallErrorCounter:
    """Decides, message by message, which transaction messages get ``errors``' CALLERROR; counts
    the attempts of each chosen message (a retry carries the same payload) when attempts are bounded."""

    errors: TxCallErrors
    seed: int
    _attempts: dict[bytes, int] = field(default_factory=dict)

    def refuse(self, station_id: str, request: msgspec.Struct) -> ErrorCode | None:
        errors = self.errors
        event = transaction_event_type(request)
        if event is None or event not in errors.events:
            return None
        if not share_chosen(self.seed, station_id, errors.station_share):
            return None
        identity = b"%s\0%s" % (station_id.encode("utf-8", "surrogatepass"), msgspec.json.encode(request))
        key = hashlib.blake2b(identity, digest_size=16).digest()
        if not share_chosen(self.seed, key, errors.message_share):
            return None
        if errors.attempts == 0:
            return errors.code
        refused = self._attempts.get(key, 0)
        if refused >= errors.attempts:
            return None
        self._attempts[key] = refused + 1
        if len(self._attempts) > _MAX_TRACKED:
            del self._attempts[next(iter(self._attempts))]
        return errors.code
