"""Argument types that fail with a message naming the option and what it expects."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

from fleet.chaos import parse_duration
from fleet.csms import ScriptError, ScriptStep, load_script
from fleet.engine import OcppMix
from fleet.metrics import Slo, SloSyntaxError, parse_slo

_Number = TypeVar("_Number", int, float)


def _parse(text: str, convert: Callable[[str], _Number], expected: str) -> _Number:
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def positive_int(text: str) -> int:
    value = _parse(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = _parse(text, float, "a number")
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number greater than 0, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = _parse(text, int, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def non_negative_float(text: str) -> float:
    value = _parse(text, float, "a number")
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number, not negative, got {text}")
    return value


def non_negative_duration(text: str) -> float:
    """Seconds in ``text``: ``90`` or ``90s``, ``250ms``, ``5m``, ``1h30m`` (units ms, s, m, h; no
    days: ``48h``). The grammar is fleet.chaos's, so --fault items and options read alike."""
    if text.strip().startswith("-"):
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    try:
        return parse_duration(text, "")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 90s, 5m or 1h30m, got {text!r}"
        ) from None


def duration(text: str) -> float:
    """A duration greater than 0, in seconds (see ``non_negative_duration``)."""
    seconds = non_negative_duration(text)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be a duration greater than 0, got {text!r}")
    return seconds


def whole_seconds(text: str) -> int:
    """A duration of whole seconds, 0 or more (an OCPP interval): ``300``, ``5m``, ``1h``."""
    seconds = non_negative_duration(text)
    if seconds != int(seconds):
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds, got {text!r}")
    return int(seconds)


def positive_whole_seconds(text: str) -> int:
    """``whole_seconds``, at least one second."""
    seconds = whole_seconds(text)
    if seconds < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 second, got {text!r}")
    return seconds


def ratio(text: str) -> float:
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def ocpp_mix(text: str) -> OcppMix:
    try:
        return OcppMix.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def port(text: str) -> int:
    value = _parse(text, int, "a port number")
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


def utc_time(text: str) -> float:
    """An ISO 8601 date-time as UTC seconds; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 date and time such as 2026-12-01T06:00:00Z, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def slo(text: str) -> Slo:
    try:
        return parse_slo(text)
    except SloSyntaxError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def csms_script(path: str) -> list[ScriptStep]:
    try:
        return load_script(path)
    except ScriptError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
