"""Argument types that fail with a message naming the option and what it expects."""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def ratio(text: str) -> float:
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0..65535, got {value}")
    return value


def csms_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("ws", "wss"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: the CSMS URL must start with ws:// or wss:// (e.g. ws://127.0.0.1:9000/ocpp)"
        )
    if not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r}: the CSMS URL has no host")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    if parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{text!r}: no query or fragment please; each station appends /<station id> to the path"
        )
    return text
