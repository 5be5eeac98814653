"""The CSMS's decisions that do not depend on the OCPP version: which idTokens it refuses, the boot
verdict, refusing transaction messages; each version's answers module builds its structs on them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from fleet.csms._config import BootVerdict, CsmsConfig
from fleet.csms._ledger import Ledger
from fleet.csms._transaction_faults import TokenStatus
from fleet.ocpp import ErrorCode

# (answers object, request, now) -> response; typed loosely so each version's answers class fits
Handler = Callable[[Any, Any, float], msgspec.Struct]


class Refusal(Exception):
    """The CSMS chooses to answer a well-formed request with a CALLERROR (not the station's fault)."""

    def __init__(self, code: ErrorCode, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def token_is_rejected(id_token: str, seed: int, ratio: float) -> bool:
    """The verdict for one idToken: a pure function of (seed, token), so it never flips."""
    if ratio <= 0.0:
        return False
    if ratio >= 1.0:
        return True
    # surrogatepass: a str handed in by a Python caller may hold lone surrogates
    digest = hashlib.blake2b(f"{seed}:{id_token}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64 < ratio


def fixed_answer(response: msgspec.Struct) -> Handler:
    """A handler that always answers ``response`` (one immutable instance serves every station)."""

    def answer(answers: Any, request: Any, now: float) -> msgspec.Struct:
        return response

    return answer


class AnswerRules:
    """The per-station state and rules both versions' answers classes share. Holds no per-message state."""

    __slots__ = ("_config", "_epoch_offset", "_ledger", "_station_id")

    def __init__(self, station_id: str, config: CsmsConfig, ledger: Ledger, epoch_offset: float) -> None:
        self._station_id = station_id
        self._config = config
        self._ledger = ledger
        self._epoch_offset = epoch_offset

    def _wall_time(self, now: float) -> datetime:
        return datetime.fromtimestamp(now + self._epoch_offset, UTC)

    def _refuses_token(self, token: str) -> bool:
        # one rule for 2.0.1 idTokens and 1.6 idTags, so a driver is refused in both versions
        config = self._config
        if config.blocked_token_prefix and token.startswith(config.blocked_token_prefix):
            return True
        return token_is_rejected(token, config.seed, config.auth_reject_ratio)

    def _tx_token_refusal(self, token: str) -> TokenStatus | None:
        """The status a transaction answer refuses ``token`` with (the ``tx-token`` fault; None: none)."""
        faults = self._config.faults
        return faults.tx_token.status_for(token, faults.seed)

    def _data_transfer_status(self, vendor_id: str, message_id: str | None) -> str:
        """Accepted for a vendor (and message id) the CSMS was told to accept, else why not."""
        messages = [message for vendor, message in self._config.data_transfer_accepts if vendor == vendor_id]
        if not messages:
            return "UnknownVendorId"
        return "Accepted" if None in messages or message_id in messages else "UnknownMessageId"

    def _boot_verdict(self) -> tuple[BootVerdict, int]:
        """The BootNotification status and the interval that goes with it (heartbeat or retry)."""
        config = self._config
        if config.boot_status == "Accepted":
            self._ledger.station_booted(self._station_id)
            return config.boot_status, config.heartbeat_interval
        return config.boot_status, config.boot_retry_interval

    def _refuse_if_configured(self, action: str) -> None:
        if self._config.reject_transaction_events:
            # not recorded: the station is expected to send it again
            raise Refusal(ErrorCode.INTERNAL_ERROR, f"{action} refused (reject_transaction_events is set)")
