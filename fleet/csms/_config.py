"""How the embedded CSMS answers: boot verdict, intervals, authorisation, delays."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from fleet.csms._faults import CsmsFaults
from fleet.ocpp import BLOCKED_TOKEN_PREFIX

BootVerdict = Literal["Accepted", "Pending", "Rejected"]
_BOOT_VERDICTS = ("Accepted", "Pending", "Rejected")


@dataclass(frozen=True, slots=True)
class CsmsConfig:
    """Behaviour of the embedded CSMS. Every field has a default that makes a well-behaved CSMS.

    ``auth_reject_ratio`` is the share of idTokens answered ``Invalid``; the verdict is a pure
    function of (seed, token), so a token keeps its verdict across stations, sessions and runs.
    ``response_delay_s`` is applied by the server before each batch of responses (a slow CSMS).
    ``service_time_s``: every message received waits its turn in one queue shared by the whole
    server and takes this long (a CSMS with one worker: it saturates at 1/service_time msg/s).
    ``blocked_token_prefix``: idTokens starting with it are always ``Invalid`` — the simulated
    drivers who should be refused carry such tokens, so refusals follow the behaviour profile.
    ``reject_transaction_events`` answers every TransactionEvent with CALLERROR InternalError,
    to exercise a station's retry and offline-queue policy.
    """

    boot_status: BootVerdict = "Accepted"
    heartbeat_interval: int = 300
    boot_retry_interval: int = 30
    auth_reject_ratio: float = 0.0
    response_delay_s: float = 0.0
    service_time_s: float = 0.0
    seed: int = 0
    reject_transaction_events: bool = False
    blocked_token_prefix: str = BLOCKED_TOKEN_PREFIX
    ledger_out: str | None = None  # append each stored transaction message here (README "Loss accounting")
    faults: CsmsFaults = field(default_factory=CsmsFaults)  # faults injected on purpose (none)
    # station-initiated DataTransfer answered Accepted for these (vendorId, messageId or None: any
    # message); another vendor gets UnknownVendorId, another message of a listed vendor UnknownMessageId
    data_transfer_accepts: tuple[tuple[str, str | None], ...] = ()
    # abuse limits (README "fleet csms"): the whole upgrade request (after TLS, for wss://) within
    # this many seconds; at most this many connections waiting to upgrade; after this many failed
    # Basic auth attempts from one address within the window, 429 until it ends (0: no limit)
    handshake_timeout_s: float = 10.0
    max_pending_upgrades: int = 4096
    auth_failure_limit: int = 20
    auth_failure_window_s: float = 60.0

    def __post_init__(self) -> None:
        if self.boot_status not in _BOOT_VERDICTS:
            raise ValueError(
                f"CsmsConfig.boot_status: {self.boot_status!r} is not one of {', '.join(_BOOT_VERDICTS)}"
            )
        for name in ("heartbeat_interval", "boot_retry_interval"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"CsmsConfig.{name}: expected a whole number of seconds >= 0, got {value!r}")
        if not 0.0 <= self.auth_reject_ratio <= 1.0:
            raise ValueError(
                f"CsmsConfig.auth_reject_ratio: expected a share between 0.0 and 1.0, "
                f"got {self.auth_reject_ratio!r}"
            )
        for name in ("response_delay_s", "service_time_s"):
            seconds = getattr(self, name)
            if not (math.isfinite(seconds) and seconds >= 0.0):
                raise ValueError(f"CsmsConfig.{name}: expected seconds >= 0, got {seconds!r}")
        _check_limits(self)


def _check_limits(config: CsmsConfig) -> None:
    for name in ("handshake_timeout_s", "auth_failure_window_s"):
        value = getattr(config, name)
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise ValueError(f"CsmsConfig.{name}: expected seconds > 0, got {value!r}")
    for name, least in (("max_pending_upgrades", 1), ("auth_failure_limit", 0)):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"CsmsConfig.{name}: expected a whole number >= {least}, got {value!r}")
