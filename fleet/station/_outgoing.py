"""A CALL the station wants to send, with what to do when it is answered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

ResultCallback = Callable[[Any, float], None]
"""(decoded response struct, now)"""
FailureCallback = Callable[[str, float], None]
"""(error code: a CALLERROR code, "Timeout", "ConnectionLost" or "RetriesExhausted", now)"""


@dataclass(slots=True, eq=False)
class OutgoingCall:
    action: str
    payload: msgspec.Struct
    intended_at: float  # when it was due: latency is measured from here, not from the actual send
    on_result: ResultCallback | None = None
    on_failure: FailureCallback | None = None
    transactional: bool = False  # TransactionEvent: queued while offline, retried, never silently lost
    droppable: bool = False  # a meter-value update: the first to go when the offline queue overflows
    csms_requested: bool = False  # answers a CSMS request: may be sent while the boot is Pending
    attempts: int = 0
