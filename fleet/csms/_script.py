"""CSMS scripts: CSMS-initiated operations on a schedule (``fleet csms --script FILE``).

A script is a TOML file of ``[[step]]`` tables::

    [[step]]
    at = "18:00"                  # the next 18:00 UTC on the stations' clock, or "+90s", "+5m", "+1h"
    action = "SetChargingProfile" # any CSMS-initiated action of the version below
    ocpp = "2.0.1"                # which stations: "2.0.1" (default) or "1.6"
    stations = "10%"              # "all", "25%", a glob "SIM-001*", or a list of ids
    [step.payload]                # the request as on the wire (camelCase); "${now}" and
    evseId = 1                    # "${now+15m}" become UTC date-times when the step runs

Live placeholders, ``"${transactionId}"``, ``"${idToken}"``, ``"${evseId}"``, become the values of
the station's running transaction from the CSMS's ledger (a whole-string ``"${evseId}"`` and a
1.6 ``"${transactionId}"`` become numbers); a step using them skips stations with no running
transaction.

Everything here is pure: parsing, checking each payload against the request struct of its
action at load time (a typo fails before the run, naming file, step and field), picking the
stations, and filling in the placeholders. ``_script_runner`` does the waiting.
"""

from __future__ import annotations

import fnmatch
import random
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from fleet.csms._live_transactions import LIVE_NAMES, SAMPLE, LiveTransaction
from fleet.ocpp import v16, v201

_VERSIONS: dict[str, Mapping[str, tuple[type[msgspec.Struct], type[msgspec.Struct]]]] = {
    "2.0.1": v201.ACTIONS,
    "1.6": v16.ACTIONS,
}
_SUBPROTOCOLS = {"2.0.1": v201.SUBPROTOCOL, "1.6": v16.SUBPROTOCOL}
_STEP_KEYS = {"at", "action", "ocpp", "stations", "payload", "timeout_s"}
_OFFSET = re.compile(r"^\+(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_PLACEHOLDER = re.compile(r"\$\{now(?:([+-])(\d+)([smhd]))?\}")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LIVE = re.compile(r"\$\{(" + "|".join(LIVE_NAMES) + r")\}")


class ScriptError(ValueError):
    """A script that cannot run; the message names the file, the step and the field."""


@dataclass(frozen=True, slots=True)
class StepTime:
    offset_s: float | None = None  # seconds after the script started
    clock_s: float | None = None  # seconds after midnight UTC: the next such time

    def due(self, started_epoch: float) -> float:
        """The UTC epoch second this step is due, for a script started at ``started_epoch``."""
        if self.offset_s is not None:
            return started_epoch + self.offset_s
        assert self.clock_s is not None
        midnight = started_epoch - started_epoch % 86400
        due = midnight + self.clock_s
        return due if due >= started_epoch else due + 86400


@dataclass(frozen=True, slots=True)
class ScriptStep:
    number: int  # 1-based, as the user counts them
    at: StepTime
    at_text: str
    action: str
    ocpp: str
    stations: str | tuple[str, ...]
    payload: dict[str, Any]
    timeout_s: float
    live: frozenset[str] = frozenset()  # the live placeholders the payload uses

    @property
    def subprotocol(self) -> str:
        return _SUBPROTOCOLS[self.ocpp]

    def describe(self) -> str:
        return f"step {self.number} ({self.action} at {self.at_text})"

    def request(self, now_epoch: float, live: LiveTransaction | None = None) -> msgspec.Struct:
        """The typed request, with ``${now...}`` placeholders filled in for ``now_epoch`` and the
        live ones from ``live`` (the station's running transaction; needed when ``self.live``)."""
        request_type = _VERSIONS[self.ocpp][self.action][0]
        return msgspec.convert(_fill(self.payload, now_epoch, live), request_type)

    def select(self, connected: list[str], subprotocols: Mapping[str, str], rng: random.Random) -> list[str]:
        """The stations this step goes to, among those connected with this step's version."""
        candidates = sorted(s for s in connected if subprotocols.get(s) == self.subprotocol)
        selector = self.stations
        if isinstance(selector, tuple):
            wanted = set(selector)
            return [s for s in candidates if s in wanted]
        if selector == "all":
            return candidates
        if selector.endswith("%"):
            count = round(len(candidates) * float(selector[:-1]) / 100)
            return sorted(rng.sample(candidates, count))
        return [s for s in candidates if fnmatch.fnmatchcase(s, selector)]


def load_script(path: str) -> list[ScriptStep]:
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read the script: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError(f"{path}: not valid TOML: {exc}") from None
    return parse_script(data, path)


def parse_script(data: Mapping[str, Any], path: str) -> list[ScriptStep]:
    unknown = sorted(set(data) - {"step"})
    if unknown:
        raise ScriptError(
            f"{path}: unknown top-level key(s) {unknown}; a script is a list of [[step]] tables"
        )
    steps = data.get("step")
    if not isinstance(steps, list) or not steps:
        raise ScriptError(f"{path}: no [[step]] tables; see `fleet csms --help` for the format")
    return [_parse_step(raw, number, path) for number, raw in enumerate(steps, start=1)]


def _parse_step(raw: Mapping[str, Any], number: int, path: str) -> ScriptStep:
    where = f"{path}: step {number}"
    unknown = sorted(set(raw) - _STEP_KEYS)
    if unknown:
        raise ScriptError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_STEP_KEYS)}")
    for key in ("at", "action"):
        if not isinstance(raw.get(key), str):
            raise ScriptError(f"{where}: '{key}' is required and must be a string")
    ocpp = raw.get("ocpp", "2.0.1")
    if ocpp not in _VERSIONS:
        raise ScriptError(f"{where}: ocpp = {ocpp!r}; expected one of {sorted(_VERSIONS)}")
    action = raw["action"]
    if action not in _VERSIONS[ocpp]:
        raise ScriptError(f"{where}: {action!r} is not an OCPP {ocpp} action")
    payload = raw.get("payload", {})
    if not isinstance(payload, dict):
        raise ScriptError(f"{where}: 'payload' must be a table of the request's fields")
    timeout_s = raw.get("timeout_s", 30.0)
    if not isinstance(timeout_s, int | float) or timeout_s <= 0:
        raise ScriptError(f"{where}: 'timeout_s' must be a number of seconds > 0, found {timeout_s!r}")
    step = ScriptStep(
        number=number,
        at=_parse_time(raw["at"], where),
        at_text=raw["at"],
        action=action,
        ocpp=ocpp,
        stations=_parse_selector(raw.get("stations", "all"), where),
        payload=payload,
        timeout_s=float(timeout_s),
        live=frozenset(_LIVE.findall(repr(payload))),
    )
    try:
        step.request(0.0, SAMPLE[ocpp])
    except msgspec.ValidationError as exc:
        raise ScriptError(
            f"{where}: payload is not a valid {action} request for OCPP {ocpp}: {exc}"
        ) from None
    return step


def _parse_time(text: str, where: str) -> StepTime:
    if (offset := _OFFSET.match(text)) is not None and text != "+":
        hours, minutes, seconds = offset.groups()
        return StepTime(offset_s=int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0))
    if (clock := _CLOCK.match(text)) is not None:
        hours, minutes, seconds = clock.groups()
        return StepTime(clock_s=int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0))
    raise ScriptError(
        f"{where}: at = {text!r}; expected a time of day 'HH:MM[:SS]' (UTC, stations' clock) "
        "or an offset from the start like '+90s', '+5m', '+1h30m'"
    )


def _parse_selector(value: Any, where: str) -> str | tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    if isinstance(value, str):
        if value.endswith("%"):
            try:
                share = float(value[:-1])
            except ValueError:
                share = -1.0
            if not 0.0 <= share <= 100.0:
                raise ScriptError(f"{where}: stations = {value!r}; a share must be between 0% and 100%")
        return value
    raise ScriptError(
        f'{where}: stations = {value!r}; expected "all", a share like "10%", a glob like '
        '"SIM-001*" or a list of station ids'
    )


def _fill(value: Any, now_epoch: float, live: LiveTransaction | None) -> Any:
    if isinstance(value, str):
        if live is not None:
            whole = _LIVE.fullmatch(value)
            if whole is not None:
                return live.value(whole.group(1))  # a number stays a number
            value = _LIVE.sub(lambda match: str(live.value(match.group(1))), value)
        return _PLACEHOLDER.sub(lambda match: _timestamp(match, now_epoch), value)
    if isinstance(value, dict):
        return {key: _fill(item, now_epoch, live) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, now_epoch, live) for item in value]
    return value


def _timestamp(match: re.Match[str], now_epoch: float) -> str:
    sign, amount, unit = match.groups()
    shift = 0 if amount is None else int(amount) * _UNIT_S[unit] * (1 if sign == "+" else -1)
    moment = datetime.fromtimestamp(now_epoch, UTC) + timedelta(seconds=shift)
    return moment.isoformat().replace("+00:00", "Z")
