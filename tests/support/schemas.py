"""Check captured OCPP-J traffic against the official OCA JSON schemas.

The schemas come from the `ocpp` PyPI package (a test extra), so the check is independent of the
structs in `fleet.ocpp`: a bug in the generator cannot hide itself here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import ocpp
from jsonschema import Draft6Validator, FormatChecker

MAX_REPORTED = 50
MAX_UNIQUE_ID_LENGTH = 36
DIRECTIONS = ("sent", "received")

# version -> (schema directory in the `ocpp` package, request schema suffix, CALLERROR codes)
_VERSIONS: dict[str, tuple[str, str, frozenset[str]]] = {
    "2.0.1": (
        "v201",
        "Request",
        frozenset(
            {
                "FormatViolation",
                "GenericError",
                "InternalError",
                "MessageTypeNotSupported",
                "NotImplemented",
                "NotSupported",
                "OccurrenceConstraintViolation",
                "PropertyConstraintViolation",
                "ProtocolError",
                "RpcFrameworkError",
                "SecurityError",
                "TypeConstraintViolation",
            }
        ),
    ),
    "1.6": (
        "v16",
        "",
        frozenset(
            {
                "NotImplemented",
                "NotSupported",
                "InternalError",
                "ProtocolError",
                "SecurityError",
                "FormationViolation",
                "PropertyConstraintViolation",
                # 1.6 spells it this way in the specification
                "OccurenceConstraintViolation",
                "TypeConstraintViolation",
                "GenericError",
            }
        ),
    ),
}

# only the formats the OCA schemas use, checked the same way whatever optional packages are installed
_format_checker = FormatChecker(formats=())
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.IGNORECASE)


def _is_rfc3339_date_time(value: object) -> bool:
    # RFC 3339 needs a time offset: a naive datetime encoded without one is the mistake to catch
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
    datetime.fromisoformat(value.upper())  # month 13, hour 25 and friends
    return True


# registered by a call, not as a decorator: jsonschema is untyped and mypy --strict refuses those
_format_checker.checks("date-time", raises=ValueError)(_is_rfc3339_date_time)


# 1.6 charging limits are "multipleOf": 0.1: in binary floats 7.3 / 0.1 is 72.999..., so these
# versions compare decimals (as the `ocpp` library does for 1.6), schema and payload alike
_DECIMAL_VERSIONS = frozenset({"1.6"})


def _decimal_floats(version: str) -> Callable[[str], Any]:
    return Decimal if version in _DECIMAL_VERSIONS else float


def _as_decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))  # repr: the shortest text that reads back as this float
    if isinstance(value, dict):
        return {key: _as_decimals(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_decimals(item) for item in value]
    return value


def schema_dir(version: str = "2.0.1") -> Path:
    """The directory of the official JSON schemas of ``version`` inside the `ocpp` package."""
    return Path(ocpp.__file__).parent / _version_info(version)[0] / "schemas"


def schema_name(version: str, action: str, kind: str) -> str:
    """The schema file's stem: 2.0.1 has ``<Action>Request``, 1.6 ``<Action>`` for requests."""
    if kind not in ("request", "response"):
        raise ValueError(f"kind must be 'request' or 'response', got {kind!r}")
    return f"{action}{_version_info(version)[1] if kind == 'request' else 'Response'}"


def load_schema(version: str, action: str, kind: str) -> dict[str, Any]:
    """The official schema of ``action``'s request or response, as plain JSON."""
    path = schema_dir(version) / f"{schema_name(version, action, kind)}.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return schema


def _version_info(version: str) -> tuple[str, str, frozenset[str]]:
    try:
        return _VERSIONS[version]
    except KeyError:
        raise ValueError(f"unsupported OCPP version {version!r}; use one of {sorted(_VERSIONS)}") from None


@functools.cache
def _load_validator(version: str, schema_name: str) -> Draft6Validator | None:
    path = schema_dir(version) / f"{schema_name}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=_decimal_floats(version))
    # the 2.0.1 schemas say draft-06, the 1.6 ones draft-04: honour what each file declares
    cls = jsonschema.validators.validator_for(schema, default=Draft6Validator)
    cls.check_schema(schema)
    validator: Draft6Validator = cls(schema, format_checker=_format_checker)
    return validator


class OcppSchemaValidator:
    """Validates OCPP-J frames of one or many connections against the official schemas."""

    def __init__(self, version: str = "2.0.1") -> None:
        self.version = version
        self.error_codes = _version_info(version)[2]

    def validator(self, action: str, kind: str) -> Draft6Validator | None:
        """The compiled schema of ``action`` ("request" or "response"), None if no such action."""
        return _load_validator(self.version, schema_name(self.version, action, kind))

    def validate_payload(self, action: str, kind: str, payload: Any) -> list[str]:
        """Violations of one payload as ``"<json path>: <reason>"`` strings (empty = valid)."""
        validator = self.validator(action, kind)
        if validator is None:
            return [f"unknown action {action!r} (no {kind} schema for OCPP {self.version})"]
        if self.version in _DECIMAL_VERSIONS:
            payload = _as_decimals(payload)
        errors = sorted(validator.iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path])
        # `cause` carries the reason of a failed format check (e.g. the missing UTC offset)
        return [f"{e.json_path}: {e.message}" + (f" ({e.cause})" if e.cause else "") for e in errors]

    def validate_stream(
        self,
        frames: Iterable[tuple[str, str]],
        *,
        directions: Collection[str] = DIRECTIONS,
        where: str = "",
        limit: int | None = MAX_REPORTED,
    ) -> list[str]:
        """Validate the ``(direction, frame text)`` pairs of ONE connection, in order.

        Frames whose direction is not in ``directions`` are only read to learn which action a
        CALLRESULT answers. Returns human-readable violations; empty means all good.
        """
        checker = _StreamChecker(self, directions)
        for index, (direction, text) in enumerate(frames, start=1):
            checker.feed(direction, text, f"{where}frame {index} ({direction})")
        return _truncate(checker.violations, limit)

    def validate_capture(self, path: str | Path, *, limit: int | None = MAX_REPORTED) -> list[str]:
        """Validate every frame the stations SENT in a `fleet run --capture` JSON-lines file."""
        path = Path(path)
        checkers: dict[str, _StreamChecker] = {}
        violations: list[str] = []
        with path.open(encoding="utf-8") as lines:
            for line_no, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{line_no}"
                record = _capture_record(line, where)
                if isinstance(record, str):
                    violations.append(record)
                    continue
                station, direction, frame = record
                checker = checkers.setdefault(station, _StreamChecker(self, ("sent",), violations))
                checker.feed(direction, frame, f"{where} station {station!r} ({direction})")
        return _truncate(violations, limit)


def _capture_record(line: str, where: str) -> tuple[str, str, str] | str:
    """(station, direction, frame) of one capture line, or a violation saying what is wrong."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"{where}: capture line is not JSON ({exc})"
    if not isinstance(record, dict):
        return f"{where}: capture line must be an object with t, station, dir, frame"
    station, direction, frame = record.get("station"), record.get("dir"), record.get("frame")
    if not isinstance(station, str) or not isinstance(frame, str) or direction not in DIRECTIONS:
        return (
            f"{where}: capture line needs 'station' (string), 'dir' ('sent' or 'received') "
            f"and 'frame' (string), got keys {sorted(record)}"
        )
    return station, direction, frame


def _truncate(violations: list[str], limit: int | None) -> list[str]:
    if limit is None or len(violations) <= limit:
        return violations
    return [*violations[:limit], f"... {len(violations) - limit} more; {len(violations)} violations in total"]


class _StreamChecker:
    """The state of one connection: which CALLs are waiting for an answer, per direction."""

    def __init__(
        self,
        schemas: OcppSchemaValidator,
        directions: Collection[str],
        violations: list[str] | None = None,
    ) -> None:
        self.schemas = schemas
        self.directions = frozenset(directions)
        self.violations = violations if violations is not None else []
        # (direction the CALL went, unique id) -> action
        self.pending: dict[tuple[str, str], str] = {}

    def feed(self, direction: str, text: str, where: str) -> None:
        if direction not in DIRECTIONS:
            self.violations.append(f"{where}: direction must be 'sent' or 'received', got {direction!r}")
            return

        def report(problem: str) -> None:
            # frames of an unchecked direction still teach us actions, but are not judged
            if direction in self.directions:
                self.violations.append(f"{where}: {problem}")

        try:
            frame = json.loads(text)
        except json.JSONDecodeError as exc:
            report(f"not JSON ({exc}): {text[:80]!r}")
            return
        if not isinstance(frame, list) or not frame:
            report(f"an OCPP-J frame is a non-empty JSON array, got {text[:80]!r}")
            return
        message_type = frame[0]
        if len(frame) < 2 or not _valid_id(frame[1]):
            report(f"message id must be a string of 1..{MAX_UNIQUE_ID_LENGTH} characters: {text[:80]!r}")
            return
        handlers = {2: self._call, 3: self._call_result, 4: self._call_error}
        # `type is int`: true and 2.0 compare equal to ints but are no message type id
        handler = handlers.get(message_type) if type(message_type) is int else None
        if handler is None:
            report(f"message type must be 2, 3 or 4, got {message_type!r}")
            return
        handler(direction, frame, report)

    def _call(self, direction: str, frame: list[Any], report: Callable[[str], None]) -> None:
        unique_id = frame[1]
        if len(frame) != 4 or not isinstance(frame[2], str):
            report(f"CALL must be [2, id, action, payload], got {len(frame)} elements")
            return
        action: str = frame[2]
        if (direction, unique_id) in self.pending:
            report(f"CALL {action} reuses id {unique_id!r} of an unanswered CALL")
        self.pending[(direction, unique_id)] = action
        if direction in self.directions:
            for problem in self.schemas.validate_payload(action, "request", frame[3]):
                report(f"CALL {action} id={unique_id}: {problem}")

    def _answered_action(self, direction: str, unique_id: str) -> str | None:
        other = "received" if direction == "sent" else "sent"
        return self.pending.pop((other, unique_id), None)

    def _call_result(self, direction: str, frame: list[Any], report: Callable[[str], None]) -> None:
        unique_id = frame[1]
        action = self._answered_action(direction, unique_id)
        if len(frame) != 3:
            report(f"CALLRESULT must be [3, id, payload], got {len(frame)} elements")
        elif action is None:
            report(f"CALLRESULT for unknown id {unique_id!r} (no CALL waits for it)")
        elif direction in self.directions:
            for problem in self.schemas.validate_payload(action, "response", frame[2]):
                report(f"CALLRESULT {action} id={unique_id}: {problem}")

    def _call_error(self, direction: str, frame: list[Any], report: Callable[[str], None]) -> None:
        unique_id = frame[1]
        action = self._answered_action(direction, unique_id)
        if len(frame) != 5:
            report(f"CALLERROR must be [4, id, code, description, details], got {len(frame)} elements")
            return
        _, _, code, description, details = frame
        if code not in self.schemas.error_codes:
            report(f"CALLERROR id={unique_id}: unknown error code {code!r}")
        if not isinstance(description, str):
            report(f"CALLERROR id={unique_id}: description must be a string, got {description!r}")
        elif len(description) > 255:
            report(f"CALLERROR id={unique_id}: description longer than 255 characters")
        if not isinstance(details, dict):
            report(f"CALLERROR id={unique_id}: details must be an object, got {details!r}")
        # "-1" answers a frame whose id could not be read (OCPP-J 2.0.1, RpcFrameworkError)
        if action is None and unique_id != "-1":
            report(f"CALLERROR for unknown id {unique_id!r} (no CALL waits for it)")


def _valid_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_UNIQUE_ID_LENGTH
