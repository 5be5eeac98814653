"""What an answer said, in one word, for the counts of CSMS-initiated calls."""

from __future__ import annotations


def answer_status(payload: object, default: str) -> str:
    """The ``status`` of an OCPP answer payload (most have one: Accepted, Rejected, ...), or
    ``default`` for an answer without one. Answers are many msgspec struct types with no common
    base, so the field is read by name."""
    status = getattr(payload, "status", None)
    return status if isinstance(status, str) else default
