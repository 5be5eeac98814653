"""The ``--csms-fault`` words that choose which answers go wrong, station by station and message
by message: Pending boots for a share of stations or a number of boots (``pending-boots``,
``pending-share``, ``pending-interval``), transaction messages refused with a CALLERROR
(``tx-callerror`` and its ``-stations``, ``-messages``, ``-attempts``) and idTokens refused in the
transaction answer (``tx-token``, ``tx-token-match``, ``tx-token-share``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from fleet.csms import TOKEN_STATUSES, TX_EVENT_TYPES, TokenStatus, TxCallErrors, TxTokenRefusal
from fleet.ocpp import ErrorCode

ANSWER_FAULT_WORDS = frozenset(
    {
        "pending-boots",
        "pending-share",
        "pending-interval",
        "tx-callerror",
        "tx-callerror-stations",
        "tx-callerror-messages",
        "tx-callerror-attempts",
        "tx-token",
        "tx-token-match",
        "tx-token-share",
    }
)


def _share(text: str, what: str) -> float:
    """``0.25`` or ``25%``."""
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        share = -1.0
    if not (math.isfinite(share) and 0.0 <= share <= 1.0):
        raise ValueError(f"{what}: {text!r} is not a share between 0 and 1 (e.g. 0.25 or 25%)")
    return share


def _whole(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{what}: {text!r} is not a whole number >= 0")
    return int(text)


def _events(text: str, what: str) -> frozenset[str]:
    """``Started``, ``Started+Ended``, ``all``."""
    if text.lower() == "all":
        return frozenset(TX_EVENT_TYPES)
    events = frozenset(part.strip().capitalize() for part in text.split("+"))
    unknown = sorted(events - set(TX_EVENT_TYPES))
    if unknown:
        raise ValueError(
            f"{what}: {unknown[0]!r} is not a transaction event type "
            f"(expected {', '.join(TX_EVENT_TYPES)}, joined with +, or all)"
        )
    return events


def _token_status(text: str, what: str) -> TokenStatus:
    status = text.capitalize()
    if status not in TOKEN_STATUSES:
        raise ValueError(f"{what}: {text!r} is not one of {', '.join(TOKEN_STATUSES)}")
    return status


def error_code(text: str, what: str) -> ErrorCode:
    try:
        return ErrorCode(text or "InternalError")
    except ValueError:
        codes = ", ".join(code.value for code in ErrorCode)
        raise ValueError(f"{what}: {text!r} is not an OCPP error code ({codes})") from None


def answer_faults(
    items: list[tuple[str, str, str]], parse_duration: Callable[[str, str], float]
) -> dict[str, Any]:
    """``CsmsFaults`` fields for the (key, value, what) items whose key is in ``ANSWER_FAULT_WORDS``."""
    fields: dict[str, Any] = {}
    tx: dict[str, Any] = {}
    token: dict[str, Any] = {}
    for key, value, what in items:
        if key == "pending-boots":
            fields["pending_boots"] = _whole(value, what)
        elif key == "pending-share":
            fields["pending_share"] = _share(value, what)
        elif key == "pending-interval":
            fields["pending_interval"] = round(parse_duration(value, what))
        elif key == "tx-callerror":
            events, _, code = value.partition(":")
            tx["events"] = tx.get("events", frozenset()) | _events(events, what)
            tx["code"] = error_code(code.strip(), what)
        elif key in ("tx-callerror-stations", "tx-callerror-messages"):
            tx[key.removeprefix("tx-callerror-")[:-1] + "_share"] = _share(value, what)
        elif key == "tx-callerror-attempts":
            tx["attempts"] = _whole(value, what)
        elif key == "tx-token":
            token["status"] = _token_status(value, what)
        elif key == "tx-token-match":
            token["pattern"] = value
        else:  # tx-token-share
            token["share"] = _share(value, what)
    if tx and "events" not in tx:
        raise ValueError("--csms-fault tx-callerror-...: says which messages; add tx-callerror=EVENTS")
    if token and "status" not in token:
        raise ValueError("--csms-fault tx-token-...: says which tokens; add tx-token=STATUS")
    if tx:
        fields["tx_call_errors"] = TxCallErrors(**tx)
    if token:
        fields["tx_token"] = TxTokenRefusal(**token)
    return fields
