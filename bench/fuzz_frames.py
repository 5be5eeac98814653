"""Fuzzing at volume: generated and mutated OCPP-J frames into the sans-IO station cores and the
embedded CSMS's session. A bench job, never a unit test (tests/bench runs a small one).

    python bench/fuzz_frames.py [--frames 1000000] [--seed 1] [--target station|csms|both]
                                [--engine generated|atheris] [--tracemalloc] [--out PATH]

(``--out`` defaults to bench/results/fuzz_frames.json, fuzz_frames_atheris.json for atheris.)

Targets, both OCPP versions each (episodes alternate 2.0.1 and 1.6; each episode is a fresh target
fed ``--episode`` frames, so state built up by one frame meets the frames after it):

- station: ``Station``/``Station16`` fed with ``receive(data, now)``, then ``events()`` and
  ``data_to_send()`` drained, ``handle_timer`` run whenever a deadline is due and time moved on
  (sometimes by far, so CALLs time out and answers come late), the connection dropped and
  restored now and then. The contract (``StationShellApi.receive``, ``IncomingFrames``): a bad
  frame raises ``RemoteProtocolError`` and nothing else; the station keeps working after it.
- csms: ``CsmsSession``/``CsmsSession16`` fed with ``receive(data, now)``; the fuzzer also sends
  CSMS-initiated CALLs through ``call()`` (and abandons some) so answers have something to match.
  The contract (fleet/csms/_session.py): ``receive`` never raises; an ``InternalFault`` event is
  its safety net catching a bug of ours, so the fuzzer counts it as a finding too.

Every frame either target sends back must decode as an OCPP-J frame (``decode_frame``).

Frames (engine ``generated``, seeded): CALLs for every action of the version (both directions, so
also requests the peer may not send) with a payload built from the message struct's type
information (``msgspec.inspect``) that is valid or mutated (a field deleted, retyped, added,
out of bounds, a huge number, deep nesting); answers to the peer's in-flight CALL (valid,
mutated, CALLERROR) and answers for unknown, stale or wrong message ids; valid frames at the wrong
time (a CALL before the boot is accepted, a replayed answer, a replayed CALL); garbage envelopes
(wrong message type ids, numeric or oversized message ids, objects, scalars); and byte-level
mutations of any of these (truncation, flipped bytes, invalid UTF-8, lone surrogates).

Engine ``atheris`` (coverage-guided, libFuzzer via the atheris package when it is installed, not a
project dependency: ``pip install atheris``): the fleet code is instrumented, libFuzzer starts from
a seed corpus of 400 generated frames and mutates bytes; each input's first byte picks the target
and version, the rest is one frame fed to a freshly booted target, checked as above. ``--frames``
is the number of runs. At an exception outside the contract atheris prints it, keeps the input as
a crash file and exits non-zero.

Memory: at every checkpoint RSS, the Python objects alive (``sys.getallocatedblocks`` after a
collection) and, with ``--tracemalloc`` (several times slower), Python's traced bytes; the job fails
when one grows more than its bound between the first checkpoint after the warm-up and the last
(``--rss-bound-mb``, loose: the allocator keeps what big transient frames took; ``--blocks-bound``
and ``--traced-bound-mb``, tight). Exit status 0: no finding and memory bounded; 1 otherwise.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import json
import os
import random
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec
from msgspec import inspect as mi

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: the bench package is not installed

from fleet.csms import CsmsConfig, CsmsSession, CsmsSession16, InternalFault, Ledger, ProtocolViolation  # noqa: E402
from fleet.ocpp import (  # noqa: E402
    Call,
    CallError,
    CallResult,
    LocalProtocolError,
    RemoteProtocolError,
    decode_frame,
    v16,
    v201,
)
from fleet.station import (  # noqa: E402
    LazyRandom,
    OcppVersion,
    RebootRequested,
    ReconnectRequested,
    Station,
    Station16,
    StationConfig,
    create_station,
)

RESULTS = REPO / "bench" / "results"
DEFAULT_OUT = {"generated": RESULTS / "fuzz_frames.json", "atheris": RESULTS / "fuzz_frames_atheris.json"}
VERSIONS: tuple[OcppVersion, ...] = ("2.0.1", "1.6")
ACTIONS: dict[str, Mapping[str, tuple[type[msgspec.Struct], type[msgspec.Struct]]]] = {
    "2.0.1": v201.ACTIONS,
    "1.6": v16.ACTIONS,
}
CSMS_INITIATED: dict[str, tuple[str, ...]] = {
    version: tuple(
        sorted(
            CsmsSession.dialect.csms_initiated if version == "2.0.1" else CsmsSession16.dialect.csms_initiated
        )
    )
    for version in VERSIONS
}
MAX_FRAME_REPR = 600  # characters of a finding's frame kept in the result
MAX_FINDINGS = 50  # distinct findings kept (each with its first frame); counts go on
_CARDS = ("", "CARD-1", "CARD-2")  # "": a start button (NoAuthorization)
_MAX_REPLAYED = 4096  # characters of a frame kept for replaying later
_CSMS_CALLS_WAITING = 8  # CSMS-initiated CALLs left unanswered before the oldest is abandoned

JsonValue = Any


# -- payloads from the message structs' type information -----------------------------------------


class PayloadMaker:
    """Valid-ish JSON values for a message struct, drawn from ``msgspec.inspect`` type info."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._info: dict[type, mi.Type] = {}
        self._words = _known_words()

    def payload(self, struct: type[msgspec.Struct]) -> JsonValue:
        info = self._info.get(struct)
        if info is None:
            info = self._info[struct] = mi.type_info(struct)
        return self._value(info, 0)

    def _value(self, info: mi.Type, depth: int) -> JsonValue:
        rng = self._rng
        if isinstance(info, mi.StructType):
            value = {
                f.encode_name: self._value(f.type, depth + 1)
                for f in info.fields
                if f.required or (depth < 6 and rng.random() < 0.3)
            }
            if rng.random() < 0.5:
                _known_setting(value, rng)
            return value
        if isinstance(info, mi.ListType):
            low = info.min_length or 0
            high = min(info.max_length if info.max_length is not None else low + 2, low + 2)
            return [self._value(info.item_type, depth + 1) for _ in range(rng.randint(low, high))]
        if isinstance(info, mi.LiteralType):
            return rng.choice(info.values)
        if isinstance(info, mi.StrType):
            return self._string(info)
        if isinstance(info, (mi.IntType, mi.FloatType)):
            return _number(info, rng)
        if isinstance(info, mi.BoolType):
            return rng.random() < 0.5
        if isinstance(info, mi.DateTimeType):
            return rng.choice(_DATETIMES)
        if isinstance(info, mi.UnionType):
            return self._value(rng.choice(info.types), depth)
        if isinstance(info, mi.NoneType):
            return None
        return rng.choice(_JUNK)  # AnyType and whatever else: free JSON

    def _string(self, info: mi.StrType) -> str:
        rng = self._rng
        low = info.min_length or 0
        high = min(info.max_length if info.max_length is not None else 24, 48)
        pick = rng.random()
        if pick < 0.35:  # a name or value the station knows (reaches key-specific code), a number
            word = rng.choice(self._words if pick < 0.25 else _TEXT_NUMBERS)
            if low <= len(word) <= (info.max_length or len(word)):
                return word
        alphabet = _ALPHABET if rng.random() < 0.9 else _UNICODE
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, max(low, high))))


def _known_setting(value: dict[str, JsonValue], rng: random.Random) -> None:
    """A setting the station has, often set to a number written as text: a 2.0.1 (component,
    variable) pair or a 1.6 configuration key (names drawn one by one would hardly ever match)."""
    if "component" in value and "variable" in value:
        value["component"], value["variable"] = rng.choice(_known_variables())
        if "attributeValue" in value and rng.random() < 0.5:
            value["attributeValue"] = rng.choice(_TEXT_NUMBERS)
    elif set(value) == {"key", "value"}:  # ChangeConfiguration
        value["key"] = rng.choice(_known_keys())
        value["value"] = rng.choice(_TEXT_NUMBERS)


@functools.cache
def _known_keys() -> tuple[str, ...]:
    config = StationConfig("FZ-words", evse_count=2)
    keys = Station16(config, LazyRandom(0)).configuration.report(None).configuration_key
    return tuple(key.key for key in keys or ())


@functools.cache
def _known_words() -> tuple[str, ...]:
    """The 1.6 configuration keys and the 2.0.1 device model's components and variables with
    their values, and numbers written as text: what random strings would never hit."""
    words = set(_TEXT_NUMBERS)
    config = StationConfig("FZ-words", evse_count=2)
    keys = Station16(config, LazyRandom(0)).configuration.report(None).configuration_key
    for key in keys or ():
        words.update((key.key, key.value or ""))
    for data in _inventory():
        words.update((data.component.name, data.variable.name))
        words.update(attribute.value or "" for attribute in data.variable_attribute)
    return tuple(sorted(words))


@functools.cache
def _known_variables() -> tuple[tuple[JsonValue, JsonValue], ...]:
    """The 2.0.1 device model's (component, variable) pairs as JSON objects."""
    return tuple(
        (msgspec.to_builtins(data.component), msgspec.to_builtins(data.variable)) for data in _inventory()
    )


def _inventory() -> list[v201.ReportData]:
    config = StationConfig("FZ-words", evse_count=2)
    return Station(config, LazyRandom(0)).device_model.report("FullInventory")


_TEXT_NUMBERS = (
    *("0", "-1", "1", "2", "3", "3600", "2147483648", "9" * 30, "1" + "0" * 400, "1e400", "NaN", "inf"),
    *("true", " 5", "", "²", "١٢", "0x10", "1_000"),  # digits int() may or may not take
)


def _number(info: mi.IntType | mi.FloatType, rng: random.Random) -> int | float | msgspec.Raw:
    """A number in the field's bounds: often a small one (an EVSE or connector id that exists),
    sometimes a bound or a huge one, else anything in range."""
    is_int = isinstance(info, mi.IntType)
    step = 1 if is_int else 1e-6
    low = info.ge if info.ge is not None else (info.gt + step if info.gt is not None else -(2**63))
    high = info.le if info.le is not None else (info.lt - step if info.lt is not None else 2**63 - 1)
    pick = rng.random()
    if pick < 0.02 and is_int and info.le is None and info.lt is None:
        return _BEYOND_FLOAT  # a valid JSON integer no float holds
    if pick < 0.1:
        candidates = [x for x in (_HUGE_INTS if is_int else _HUGE_FLOATS) if low <= x <= high]
        return rng.choice(candidates or [low, high])
    if pick < 0.5:
        return min(max(rng.randint(0, 3), low), high)
    low, high = max(low, -1000), min(high, 100_000)
    return rng.randint(int(low), int(high)) if is_int else round(rng.uniform(float(low), float(high)), 3)


_BEYOND_FLOAT = msgspec.Raw(b"1" + b"0" * 400)  # as text: msgspec encodes no int beyond 64 bits
_HUGE_INTS = (0, -1, 2**31 - 1, -(2**31), 2**53 + 1, 2**63 - 1, -(2**63))
_HUGE_FLOATS = (0.0, -0.0, 5e-324, 1e-300, 1.7976931348623157e308, -1.7976931348623157e308, 2.0**63, 1e15)


_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"
_UNICODE = 'é€😀\u0000\u202e\ufeff\\"/ '
_DATETIMES = (  # mostly valid ones
    *("2026-12-04T12:00:00Z",) * 6,
    *("2026-12-04T12:00:00.123+01:00",) * 3,
    "2026-12-04T12:00:00",  # no time zone
    "1970-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999999-23:59",
    "not a date",
)
_JUNK: tuple[JsonValue, ...] = (
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**63,
    msgspec.Raw(b"-18446744073709551616"),  # beyond 64 bits, as text: msgspec encodes no such int
    msgspec.Raw(b"1" + b"0" * 40),
    1.5,
    -0.0,
    1e308,
    "",
    "x",
    "Accepted",
    "ü" * 300,
    [],
    [1, "a"],
    {},
    {"a": {"b": [None]}},
)


# -- mutations -----------------------------------------------------------------------------------


class Mutator:
    """JSON-level and byte-level damage, seeded."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def json(self, value: JsonValue, depth: int = 0) -> JsonValue:
        """Delete, retype, add or push out of bounds one field somewhere inside ``value``."""
        rng = self._rng
        if isinstance(value, dict) and value and depth < 5:
            key = rng.choice(list(value))
            how = rng.randrange(5)
            copy = dict(value)
            if how == 0:
                del copy[key]
            elif how == 1:
                copy[key] = self.junk()
            elif how == 2:
                copy[rng.choice(("extra", "customData", "", "é", key.upper()))] = self.junk()
            else:
                copy[key] = self.json(copy[key], depth + 1)
            return copy
        if isinstance(value, list) and value and depth < 5 and rng.random() < 0.7:
            items = list(value)
            index = rng.randrange(len(items))
            items[index] = self.json(items[index], depth + 1)
            if rng.random() < 0.2:
                items.extend(items * rng.randint(1, 40))  # over the list's maximum length
            return items
        return self.junk()

    def junk(self) -> JsonValue:
        rng = self._rng
        pick = rng.random()
        if pick < 0.08:
            return _nested(rng.choice((20, 200, 2000)), rng.random() < 0.5)
        if pick < 0.15:
            return "s" * rng.choice((37, 256, 1001, 70_000))
        return rng.choice(_JUNK)

    def text(self, text: str) -> str | bytes:
        """Byte-level damage to an encoded frame; may return bytes (a frame that is no UTF-8)."""
        rng = self._rng
        data = text.encode()
        how = rng.randrange(7)
        if how == 0 and data:
            return data[: rng.randrange(len(data))]  # truncated
        if how == 1 and data:
            at = rng.randrange(len(data))
            return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        if how == 2:
            at = rng.randrange(len(data) + 1)
            return data[:at] + rng.choice(_BAD_UTF8) + data[at:]
        if how == 3:
            return text.replace('"', '"\\ud800', 1)  # a lone surrogate, escaped
        if how == 4:
            return text.replace(",", rng.choice(_HUGE_NUMBERS), 1)
        if how == 5:
            return text + rng.choice(("", "]", ",", " 1", "\x00", "\n" * 3))
        return data  # valid, but as bytes


_BAD_UTF8 = (b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80")
_HUGE_NUMBERS = (
    ",1" + "0" * 400 + ",",
    ",1e400,",
    ",-1e400,",
    ",18446744073709551616,",
    ",-9223372036854775809,",
    ",0.0000000000000000000000000000000000001e-400,",
    ",NaN,",
    ",Infinity,",
)


def _nested(depth: int, as_list: bool) -> msgspec.Raw:
    """JSON nested ``depth`` deep, as raw text (too deep for an encoder to walk)."""
    opening, closing = ("[", "]") if as_list else ('{"a":', "}")
    return msgspec.Raw((opening * depth + "1" + closing * depth).encode())


# -- one target, one episode ---------------------------------------------------------------------


class Target(Protocol):
    """One fresh station or CSMS session, fed frames one at a time."""

    version: OcppVersion
    handles: tuple[str, ...]  # the actions the target's peer may send it
    own_calls: dict[str, str]  # message id -> action of the CALLs the target sent, unanswered

    def feed(self, data: str | bytes, now: float) -> list[str]:
        """Feed one frame; return what the target sent back (raises only what a finding is)."""
        ...

    def tick(self, now: float) -> list[str]:
        """Time moved on: timers, the peer's own CALLs."""
        ...


class StationTarget:
    """A station core. ``RemoteProtocolError`` from ``receive`` is its documented answer to a
    bad frame; anything else propagates and is a finding."""

    def __init__(self, version: OcppVersion, rng: random.Random, index: int) -> None:
        self.version = version
        self.handles = CSMS_INITIATED[version]
        self._rng = rng
        config = StationConfig(f"FZ-{index}", evse_count=2)
        self._station = create_station(config, LazyRandom(index), version)
        self.own_calls: dict[str, str] = {}
        self.refused = 0
        self._station.connected(0.0)

    def feed(self, data: str | bytes, now: float) -> list[str]:
        try:
            self._station.receive(data, now)
        except RemoteProtocolError:
            self.refused += 1
        return self._drain(now)

    def tick(self, now: float) -> list[str]:
        station = self._station
        pick = self._rng.random()
        if pick < 0.002:  # the connection drops and comes back
            station.disconnected(now)
            station.connected(now)
        elif pick < 0.03:
            self._physical(now)
        deadline = station.next_deadline()
        if deadline is not None and deadline <= now:
            station.handle_timer(now)
        return self._drain(now)

    def _physical(self, now: float) -> None:
        """The world outside the frames: cables, cards (online and during a short outage), EVs
        drawing power (so transactions run and their messages get fuzzed answers)."""
        station, rng = self._station, self._rng
        point = rng.choice((1, 2))
        act = rng.randrange(5)
        try:
            if act == 0:
                station.plug_in(point, now)
            elif act == 1:
                self._present_card(point, now)
            elif act == 2:
                station.set_ev_demand(point, rng.choice((0.0, 7400.0, 22_000.0)), 50.0, now)
            elif act == 3:
                station.unplug(point, now)
            else:  # offline: the local list and the authorization cache decide
                station.disconnected(now)
                self._present_card(point, now)
                station.connected(now)
        except LocalProtocolError:
            pass  # an input the station's contract refuses (ours, not the frames'): not a finding

    def _present_card(self, point: int, now: float) -> None:
        token = self._rng.choice(_CARDS)
        self._station.present_id_token(point, token, "NoAuthorization" if not token else "ISO14443", now)

    def _drain(self, now: float) -> list[str]:
        station = self._station
        out = station.data_to_send()
        for event in station.events():
            if type(event) is RebootRequested or type(event) is ReconnectRequested:
                # as a shell does: send what is queued, close, reconnect
                station.disconnected(now)
                station.connected(now)
                self.own_calls.clear()
                out += station.data_to_send()
        return out


class CsmsTarget:
    """An embedded CSMS session: ``receive`` never raises; an ``InternalFault`` event is a bug of
    ours its safety net caught (raised here as ``CaughtInternalFault``, a finding)."""

    def __init__(self, version: OcppVersion, rng: random.Random, index: int, payloads: PayloadMaker) -> None:
        self.version = version
        self.handles = tuple(sorted(set(ACTIONS[version]) - set(CSMS_INITIATED[version])))
        self._rng = rng
        self._payloads = payloads
        session_type = CsmsSession if version == "2.0.1" else CsmsSession16
        self._session = session_type(f"FZ-{index}", CsmsConfig(), Ledger(), random.Random(index))
        self.own_calls: dict[str, str] = {}
        self.refused = 0

    def feed(self, data: str | bytes, now: float) -> list[str]:
        self._session.receive(data, now)
        for event in self._session.events():
            if type(event) is InternalFault:
                raise CaughtInternalFault(event.description)
            if type(event) is ProtocolViolation:
                self.refused += 1
        return self._session.data_to_send()

    def tick(self, now: float) -> list[str]:
        rng = self._rng
        if rng.random() < 0.05:
            self._csms_call(now)
        pending = self._session.pending_calls()
        if len(pending) > _CSMS_CALLS_WAITING or (pending and rng.random() < 0.01):
            # as the server does when a CALL times out: stop waiting (a late answer is ignored)
            self._session.abandon_call(next(iter(pending)))
        self._session.events()
        return self._session.data_to_send()

    def _csms_call(self, now: float) -> None:
        action = self._rng.choice(CSMS_INITIATED[self.version])
        request_type = ACTIONS[self.version][action][0]
        try:
            payload = msgspec.convert(self._payloads.payload(request_type), request_type)
        except msgspec.ValidationError:
            return  # the generator drew a value its struct refuses (e.g. a bad date): skip
        self._session.call(action, payload, now)


class CaughtInternalFault(Exception):
    """The CSMS session's safety net reported a bug of ours (an ``InternalFault`` event)."""


# -- the frame generator -------------------------------------------------------------------------


@dataclass
class FrameSource:
    """Frames for one target, mixing every kind the module docstring lists."""

    rng: random.Random
    payloads: PayloadMaker
    mutator: Mutator
    history: list[str | bytes] = field(default_factory=list)

    def frame(self, target: Target) -> str | bytes:
        rng = self.rng
        pick = rng.random()
        if pick < 0.35:
            text = self._call(target)
        elif pick < 0.65:
            text = self._answer(target)
        elif pick < 0.75:
            text = self._envelope_junk()
        elif pick < 0.8 and self.history:
            return rng.choice(self.history)  # a valid frame at the wrong time: replayed
        else:
            text = self._call(target) if rng.random() < 0.5 else self._answer(target)
            return self.mutator.text(text)
        if len(self.history) < 64 and len(text) <= _MAX_REPLAYED:
            self.history.append(text)
        elif len(text) <= _MAX_REPLAYED and rng.random() < 0.05:
            self.history[rng.randrange(64)] = text
        return text

    def _call(self, target: Target) -> str:
        rng = self.rng
        actions = ACTIONS[target.version if rng.random() < 0.95 else _other(target.version)]
        # mostly what the peer may send; else a request in the wrong direction
        action = rng.choice(target.handles if rng.random() < 0.85 else list(actions))
        if action not in actions:
            action = rng.choice(list(actions))
        payload = self.payloads.payload(actions[action][0])
        pick = rng.random()
        if pick < 0.03:
            payload = self.mutator.junk()  # no object at all
        elif pick < 0.5:
            payload = self.mutator.json(payload)
        if rng.random() < 0.03:
            action = rng.choice(("", "Heartbeat ", "heartbeat", "X" * 100, "BootNotificationRequest"))
        return _dumps([2, self._message_id(), action, payload])

    def _answer(self, target: Target) -> str:
        rng = self.rng
        if target.own_calls and rng.random() < 0.8:
            unique_id = rng.choice(list(target.own_calls))
            action = target.own_calls[unique_id]
        else:
            unique_id = self._message_id()
            action = rng.choice(list(ACTIONS[target.version]))
        if rng.random() < 0.15:
            code = rng.choice(
                ("InternalError", "NotImplemented", "GenericError", "NoSuchCode", "", "x" * 300)
            )
            return _dumps([4, unique_id, code, rng.choice(("", "é", "d" * 300)), rng.choice(({}, [], None))])
        if rng.random() < 0.1:  # the answer type of another action
            action = rng.choice(list(ACTIONS[target.version]))
        payload = self.payloads.payload(ACTIONS[target.version][action][1])
        if action == "BootNotification" and rng.random() < 0.85:
            payload["status"] = "Accepted"  # most boots succeed, so the session goes on
        if rng.random() < 0.35:
            payload = self.mutator.json(payload)
        return _dumps([3, unique_id, payload])

    def _message_id(self) -> str:
        rng = self.rng
        if rng.random() < 0.9:
            return f"m{rng.randrange(10**6)}"
        return rng.choice(("", "-1", "0", "x" * 36, "x" * 37, "é" * 36, "\u0000", "null"))

    def _envelope_junk(self) -> str:
        rng = self.rng
        shapes: tuple[JsonValue, ...] = (
            [rng.choice((0, 1, 5, -1, 2**63 - 1, "2", 2.0, True, None)), "m1", "Heartbeat", {}],
            [2, rng.choice((1, 1.5, None, [], {}, True)), "Heartbeat", {}],
            [2, "m1", rng.choice((1, None, [], {})), {}],
            [2, "m1", "Heartbeat"],
            [2, "m1", "Heartbeat", {}, "extra"],
            [3, "m1"],
            [4, "m1", "GenericError"],
            [],
            {"messageTypeId": 2},
            rng.choice(_JUNK),
            self.mutator.junk(),
        )
        return _dumps(rng.choice(shapes))


def _other(version: OcppVersion) -> OcppVersion:
    return "1.6" if version == "2.0.1" else "2.0.1"


_encoder = msgspec.json.Encoder()


def _dumps(value: JsonValue) -> str:
    return _encoder.encode(value).decode()


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Finding:
    target: str
    version: str
    exception: str
    where: str
    frame: str
    count: int = 1


@dataclass
class TargetResult:
    name: str
    frames: int = 0
    seconds: float = 0.0
    refused: int = 0  # frames answered with the documented protocol error
    findings: dict[str, Finding] = field(default_factory=dict)
    memory: list[dict[str, float]] = field(default_factory=list)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} {last.name}"


def _record(result: TargetResult, target: Target, exc: BaseException, data: str | bytes) -> None:
    key = f"{type(exc).__name__} at {_where(exc)}"
    known = result.findings.get(key)
    if known is not None:
        known.count += 1
        return
    if len(result.findings) < MAX_FINDINGS:
        text = data if isinstance(data, str) else repr(data)
        result.findings[key] = Finding(
            result.name,
            target.version,
            f"{type(exc).__name__}: {str(exc)[:300]}",
            _where(exc),
            text[:MAX_FRAME_REPR],
        )


class BadOutput(Exception):
    """A target sent something it must not: no OCPP-J frame, a payload its message struct refuses,
    a CALL answered other than exactly once, a CALLERROR answering an answer."""


def _check_output(version: OcppVersion, data: str | bytes, out: list[str]) -> None:
    actions = ACTIONS[version]
    call = _readable_call(data)
    answered_id = _answer_id(data) if call is None else None
    answers = 0
    for text in out:
        try:
            frame = decode_frame(text)
        except RemoteProtocolError as exc:
            raise BadOutput(f"sent no OCPP-J frame {text[:200]!r}: {exc.message}") from None
        if type(frame) is Call:
            _check_payload(frame.payload, actions[frame.action][0], text)
        elif call is not None and frame.unique_id == call.unique_id:
            answers += 1
            if type(frame) is CallResult and call.action in actions:
                _check_payload(frame.payload, actions[call.action][1], text)
        elif type(frame) is CallError and frame.unique_id == answered_id:
            raise BadOutput(f"answered an answer with a CALLERROR: {text[:200]!r}")
    if call is not None and answers != 1:
        raise BadOutput(f"answered the CALL {call.unique_id!r} {answers} times, not once")


def _readable_call(data: str | bytes) -> Call | None:
    try:
        frame = decode_frame(data)
    except RemoteProtocolError:
        return None
    return frame if type(frame) is Call else None


def _answer_id(data: str | bytes) -> str | None:
    """The message id of a CALLRESULT or CALLERROR, however broken the rest of it."""
    try:
        loose = _loose_decoder.decode(data)
    except (msgspec.DecodeError, UnicodeError, RecursionError):
        return None
    if len(loose) >= 2 and type(loose[0]) is int and loose[0] in (3, 4) and type(loose[1]) is str:
        return loose[1]
    return None


_loose_decoder = msgspec.json.Decoder(list[Any])


def _check_payload(payload: msgspec.Raw, type_: type[msgspec.Struct], text: str) -> None:
    try:
        msgspec.json.decode(payload, type=type_)
    except msgspec.ValidationError as exc:
        raise BadOutput(f"sent a payload its {type_.__name__} refuses ({exc}): {text[:300]!r}") from None


def _track_own_calls(target: Target, out: list[str]) -> None:
    for frame in out:
        if frame.startswith("[2,"):
            decoded = decode_frame(frame)
            if len(target.own_calls) > 200:
                target.own_calls.clear()
            target.own_calls[decoded.unique_id] = decoded.action  # type: ignore[union-attr]


def _new_target(
    name: str, version: OcppVersion, rng: random.Random, index: int, payloads: PayloadMaker
) -> Target:
    if name == "station":
        return StationTarget(version, rng, index)
    return CsmsTarget(version, rng, index, payloads)


def _answer_of(target: Target, data: str | bytes, now: float) -> None:
    """Feed one frame and tick; check and note what the target sent back."""
    out = target.feed(data, now)
    out += target.tick(now)
    _check_output(target.version, data, out)
    _track_own_calls(target, out)


def _next_time(rng: random.Random, now: float) -> float:
    if rng.random() < 0.99:
        return now + rng.expovariate(2.0)
    return now + rng.choice((60.0, 400.0, 4000.0))  # far on: CALLs time out, answers come late


def run_target(name: str, frames: int, seed: int, episode: int, checkpoint: int) -> TargetResult:
    rng = random.Random(f"{seed}-{name}")
    payloads = PayloadMaker(rng)
    source = FrameSource(rng, payloads, Mutator(rng))
    result = TargetResult(name)
    index, now = 0, 0.0
    target = _new_target(name, VERSIONS[0], rng, index, payloads)
    result.memory.append(_memory_point(0))
    started = time.perf_counter()
    for count in range(1, frames + 1):
        now = _next_time(rng, now)
        data = source.frame(target)
        try:
            _answer_of(target, data, now)
        except Exception as exc:  # a finding: note it, go on with a fresh target
            _record(result, target, exc, data)
            fresh = True
        else:
            fresh = count % episode == 0
        if fresh:
            result.refused += _refused(target)
            index += 1
            target = _new_target(name, VERSIONS[index % 2], rng, index, payloads)
            source.history.clear()
        if count % checkpoint == 0:
            result.memory.append(_memory_point(count))
    result.seconds = time.perf_counter() - started
    result.frames = frames
    result.refused += _refused(target)
    return result


def _refused(target: Target) -> int:
    return target.refused if isinstance(target, (StationTarget, CsmsTarget)) else 0


def _memory_point(frames: int) -> dict[str, float]:
    """RSS, the Python objects alive (pymalloc blocks, after a collection: cheap and exact enough to
    see a leak of one object per thousand frames) and, when tracing, the traced bytes."""
    gc.collect()
    point: dict[str, float] = {"frames": frames, "rss_mb": _rss_mb(), "blocks": sys.getallocatedblocks()}
    if tracemalloc.is_tracing():
        point["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 2)
    return point


# -- coverage-guided: atheris --------------------------------------------------------------------


def _booted(name: str, version: OcppVersion) -> Target:
    """A target past its boot, so a fuzzed frame meets a station that took part in a session."""
    rng = random.Random(0)
    payloads = PayloadMaker(rng)
    target = _new_target(name, version, rng, 0, payloads)
    if isinstance(target, StationTarget):
        _track_own_calls(target, target.tick(0.0))
        boot = next(i for i, action in target.own_calls.items() if action == "BootNotification")
        answer = {"currentTime": "2026-12-04T12:00:00Z", "interval": 300, "status": "Accepted"}
        target.feed(_dumps([3, boot, answer]), 0.0)
        target.own_calls.clear()
    return target


def run_atheris(runs: int, seed: int, out: Path) -> int:
    """libFuzzer's byte mutation guided by coverage of the fleet code, from a seed corpus of
    generated frames; at the first exception outside the contract atheris prints it, writes a
    crash file and exits non-zero (its own behaviour)."""
    try:
        atheris: Any = importlib.import_module("atheris")
    except ImportError:
        print(
            "fuzz_frames: --engine atheris needs the atheris package (pip install atheris)", file=sys.stderr
        )
        return 2
    _instrument_fleet(atheris)
    corpus = _seed_corpus(Path(tempfile.mkdtemp(prefix="fuzz_frames_corpus-")), seed)
    targets = [(name, version) for name in ("station", "csms") for version in VERSIONS]
    counts = dict.fromkeys(targets, 0)
    started = time.perf_counter()

    def one_input(data: bytes) -> None:
        key = targets[data[0] % len(targets)] if data else targets[0]
        counts[key] += 1
        _answer_of(_booted(*key), data[1:], 1.0)
        total = sum(counts.values())
        if total == runs:  # libFuzzer exits after the last run without running atexit
            seconds = time.perf_counter() - started
            by_target = {f"{name} {version}": n for (name, version), n in counts.items()}
            document = {
                "engine": "atheris",
                "command": _command(),
                "seed": seed,
                "runs": total,
                "by_target": by_target,
            }
            _write(out, {**document, "frames_per_s": round(total / seconds), "findings": []})

    args = [sys.argv[0], f"-runs={runs}", f"-seed={seed}", "-max_len=4096", str(corpus)]
    atheris.Setup(args, one_input)
    atheris.Fuzz()
    return 0


def _instrument_fleet(atheris: Any) -> None:
    """Coverage of the fleet code only (``instrument_all`` would instrument the stdlib too)."""
    for name, module in list(sys.modules.items()):
        if name != "fleet" and not name.startswith("fleet."):
            continue
        for value in vars(module).values():
            owned = getattr(value, "__module__", None) == name
            if isinstance(value, type) and owned:
                for member in vars(value).values():
                    _instrument(atheris, member)
            elif owned:
                _instrument(atheris, value)


def _instrument(atheris: Any, value: object) -> None:
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        value = value.fget
    if isinstance(value, type(_instrument)):
        atheris.instrument_func(value)


def _seed_corpus(directory: Path, seed: int) -> Path:
    """Generated frames for each target and version, one file each: where libFuzzer starts."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    payloads = PayloadMaker(rng)
    source = FrameSource(rng, payloads, Mutator(rng))
    for index in range(400):
        choice = index % 4
        target = _booted(("station", "csms")[choice // 2], VERSIONS[choice % 2])
        frame = source.frame(target)
        data = frame if isinstance(frame, bytes) else frame.encode()
        (directory / f"seed-{index:04d}").write_bytes(bytes([choice]) + data)
    return directory


# -- command line --------------------------------------------------------------------------------


def _summary(result: TargetResult, bounds: MemoryBounds) -> dict[str, Any]:
    return {
        "frames": result.frames,
        "seconds": round(result.seconds, 1),
        "frames_per_s": round(result.frames / result.seconds) if result.seconds else 0,
        "refused_with_protocol_error": result.refused,
        "findings": [vars(finding) for finding in result.findings.values()],
        "memory": bounds.judge(result.memory),
    }


@dataclass(frozen=True)
class MemoryBounds:
    """Growth allowed from the first checkpoint after the warm-up (caches filled) to the last."""

    rss_mb: float
    blocks: float
    traced_mb: float

    def judge(self, points: list[dict[str, float]]) -> dict[str, Any]:
        first, last = points[1 if len(points) > 2 else 0], points[-1]
        verdict: dict[str, Any] = {"checkpoints": points}
        bounded = True
        for key, bound in (("rss_mb", self.rss_mb), ("blocks", self.blocks), ("traced_mb", self.traced_mb)):
            if key in last:
                growth = round(last[key] - first[key], 2)
                verdict[f"growth_{key}"] = growth
                verdict[f"bound_{key}"] = bound
                bounded = bounded and growth <= bound
        verdict["bounded"] = bounded
        return verdict


def _command(argv: list[str] | None = None) -> str:
    return "python bench/fuzz_frames.py " + " ".join(sys.argv[1:] if argv is None else argv)


def _write(out: Path, document: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames per target")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=("station", "csms", "both"), default="both")
    parser.add_argument("--engine", choices=("generated", "atheris"), default="generated")
    parser.add_argument(
        "--episode", type=int, default=5_000, help="frames fed to one target before a fresh one"
    )
    parser.add_argument("--checkpoint", type=int, default=100_000, help="frames between memory checkpoints")
    parser.add_argument(
        "--rss-bound-mb", type=float, default=64.0, help="RSS growth allowed (the allocator's noise)"
    )
    parser.add_argument("--blocks-bound", type=int, default=20_000, help="growth in Python objects allowed")
    parser.add_argument(
        "--traced-bound-mb", type=float, default=2.0, help="traced growth allowed (--tracemalloc)"
    )
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument("--out", type=Path, help="default: bench/results/fuzz_frames[_atheris].json")
    args = parser.parse_args(argv)
    for name in ("frames", "episode", "checkpoint"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.out is None:
        args.out = DEFAULT_OUT[args.engine]
    if args.engine == "atheris":
        return run_atheris(args.frames, args.seed, args.out)
    if args.tracemalloc:
        tracemalloc.start()
    names = ("station", "csms") if args.target == "both" else (args.target,)
    results: dict[str, Any] = {}
    for name in names:
        result = run_target(name, args.frames, args.seed, args.episode, args.checkpoint)
        results[name] = summary = _summary(
            result, MemoryBounds(args.rss_bound_mb, args.blocks_bound, args.traced_bound_mb)
        )
        memory = summary["memory"]
        print(
            f"{name}: {result.frames} frames in {summary['seconds']} s = {summary['frames_per_s']} frames/s, "
            f"{len(result.findings)} distinct findings; growth after the warm-up: "
            f"{memory['growth_rss_mb']} MB RSS, {memory['growth_blocks']} Python blocks, "
            f"{memory.get('growth_traced_mb', '-')} MB traced"
        )
        for finding in result.findings.values():
            print(f"  {finding.count} x {finding.exception} at {finding.where}")
            print(f"    frame: {finding.frame[:200]}")
    document = {
        "command": _command(argv),
        "engine": args.engine,
        "seed": args.seed,
        "episode": args.episode,
        "python": sys.version.split()[0],
        "targets": results,
    }
    _write(args.out, document)
    ok = all(not r["findings"] and r["memory"]["bounded"] for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
