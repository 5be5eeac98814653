"""One station's connection to the CSMS, sans-IO: frames in, frames and events out.

It answers every station-initiated OCPP 2.0.1 request, refuses garbage with a CALLERROR when the
message id is readable, tracks the CSMS's own CALLs, and records what it saw in the shared ledger.
``receive`` never raises: a server must keep serving whatever one station sends.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

import msgspec

from fleet.csms._answer_rules import Refusal
from fleet.csms._config import CsmsConfig
from fleet.csms._dialect import OCPP201, CsmsDialect
from fleet.csms._events import CsmsCallError, CsmsCallResult, CsmsEvent, InternalFault, ProtocolViolation
from fleet.csms._faults import ActiveCsmsFaults
from fleet.csms._ledger import Ledger
from fleet.csms._live_view import LiveView
from fleet.ocpp import (
    Call,
    CallError,
    CallResult,
    ErrorCode,
    LocalProtocolError,
    RemoteProtocolError,
    decode_frame,
    decode_payload,
    encode_call,
    encode_call_error,
    encode_call_result,
)

_loose_decoder = msgspec.json.Decoder(list[Any])
# ids of abandoned calls remembered so a late answer is not mistaken for a protocol violation
_MAX_ABANDONED = 64


class CsmsSession:
    """The CSMS side of one station connection.

    ``epoch_offset`` is added to ``now`` to get Unix time for the ``currentTime`` the CSMS reports
    (the server passes ``time.time() - trio.current_time()``; tests pass Unix times and 0).
    """

    __slots__ = (
        "_abandoned",
        "_answers",
        "_config",
        "_events",
        "_faults",
        "_id_prefix",
        "_ledger",
        "_next_id",
        "_outbox",
        "_pending",
        "fault_delay_s",
        "observer",
        "station_id",
    )
    # the OCPP version this session speaks (CsmsSession16 swaps it for 1.6)
    dialect: ClassVar[CsmsDialect] = OCPP201

    def __init__(
        self,
        station_id: str,
        config: CsmsConfig,
        ledger: Ledger,
        rng: random.Random,
        *,
        epoch_offset: float = 0.0,
        faults: ActiveCsmsFaults | None = None,  # faults injected on purpose (None: none)
    ) -> None:
        self.station_id = station_id
        self._config = config
        self._faults = faults
        self.fault_delay_s = 0.0  # a fault's hold on the latest answers (the server waits it out)
        self._ledger = ledger
        self._answers = self.dialect.make_answers(station_id, config, ledger, epoch_offset)
        self._outbox: list[str] = []
        self._events: list[CsmsEvent] = []
        self._pending: dict[str, str] = {}
        self._abandoned: dict[str, None] = {}
        # a random prefix keeps ids of a reconnected station's new session apart from the old one's
        self._id_prefix = f"csms-{rng.getrandbits(32):08x}-"
        self._next_id = 0
        self.observer: LiveView | None = None  # the live console's view (None: no console)

    # -- input ---------------------------------------------------------------------------------

    def receive(self, data: str | bytes, now: float) -> None:
        """Feed one websocket message from the station."""
        if self.observer is not None:
            self.observer.frame_in(self.station_id, data)
        try:
            frame = decode_frame(data)
        except RemoteProtocolError as exc:
            self._refuse_frame(exc, data)
            return
        except UnicodeError:
            # invalid UTF-8 inside a bytes frame escapes msgspec as UnicodeDecodeError
            self._refuse_frame(
                RemoteProtocolError("frame is not valid UTF-8", error_code=ErrorCode.RPC_FRAMEWORK_ERROR),
                data,
            )
            return
        try:
            if type(frame) is Call:
                self._on_call(frame, now)
            elif type(frame) is CallResult:
                self._on_call_result(frame)
            elif type(frame) is CallError:
                self._on_call_error(frame)
        except Exception as exc:  # a bug of ours: report it, answer if we can, keep serving
            self._internal_fault(exc, frame)

    def _on_call(self, frame: Call, now: float) -> None:
        unique_id, action = frame.unique_id, frame.action
        answer = self.dialect.answers.get(action)
        if answer is None:
            if action in self.dialect.actions:
                code, text = (
                    ErrorCode.NOT_SUPPORTED,
                    f"{action} is sent by the CSMS, not by a charging station",
                )
            else:
                version = self.dialect.version
                code, text = ErrorCode.NOT_IMPLEMENTED, f"unknown OCPP {version} action {action[:64]!r}"
            self._refuse_call(unique_id, code, text)
            return
        try:
            request = decode_payload(
                frame.payload, self.dialect.actions[action][0], unique_id=unique_id, action=action
            )
        except RemoteProtocolError as exc:
            self._refuse_call(unique_id, exc.error_code, exc.message)
            return
        except UnicodeError:
            self._refuse_call(unique_id, ErrorCode.FORMAT_VIOLATION, f"{action}: payload is not valid UTF-8")
            return
        self._ledger.count_message(action)
        try:
            response = (
                answer(self._answers, request, now)
                if self._faults is None
                else self._faulty_answer(action, request, partial(answer, self._answers, request, now), now)
            )
        except Refusal as refusal:
            self._outbox.append(
                encode_call_error(unique_id, self.dialect.code(refusal.code), refusal.description)
            )
            return
        if response is not None:
            self._outbox.append(encode_call_result(unique_id, response))
        if self.observer is not None:
            self.observer.request(self.station_id, action, request, response)

    def _faulty_answer(
        self, action: str, request: msgspec.Struct, answer: Callable[[], msgspec.Struct], now: float
    ) -> msgspec.Struct | None:
        """``answer()`` as the injected faults change it (None: no answer at all)."""
        assert self._faults is not None
        code = self._faults.call_error(action, self.station_id, request)
        if code is not None:
            raise Refusal(code, f"{action} refused (a fault injected on purpose)")
        self.fault_delay_s = self._faults.delay(action)
        booted = self._ledger.stations_booted
        unbook = partial(booted.discard, self.station_id)
        retry_interval = self._config.boot_retry_interval
        return self._faults.answer(action, answer, unbook, retry_interval, now, self.station_id)

    def _on_call_result(self, frame: CallResult) -> None:
        unique_id = frame.unique_id
        action = self._take_pending(unique_id)
        if action is None:
            return
        try:
            payload = decode_payload(
                frame.payload,
                self.dialect.actions[action][1],
                unique_id=unique_id,
                action=action,
                error_codes=self.dialect.error_codes,
            )
        except RemoteProtocolError as exc:
            self._ledger.count_protocol_error(exc.error_code)
            self._events.append(CsmsCallError(unique_id, action, exc.error_code.value, exc.message))
            return
        except UnicodeError:
            code = self.dialect.code(ErrorCode.FORMAT_VIOLATION)
            self._ledger.count_protocol_error(code)
            self._events.append(CsmsCallError(unique_id, action, code.value, "payload is not valid UTF-8"))
            return
        self._events.append(CsmsCallResult(unique_id, action, payload))
        if self.observer is not None:
            self.observer.answer(self.station_id, action, payload)

    def _on_call_error(self, frame: CallError) -> None:
        action = self._take_pending(frame.unique_id)
        if action is not None:
            self._events.append(
                CsmsCallError(frame.unique_id, action, frame.error_code, frame.error_description)
            )

    def _take_pending(self, unique_id: str) -> str | None:
        action = self._pending.pop(unique_id, None)
        if action is not None:
            return action
        if unique_id in self._abandoned:
            del self._abandoned[unique_id]  # the answer to a call we gave up on: late, not illegal
        else:
            self._violation(
                ErrorCode.PROTOCOL_ERROR, f"answer to unknown message id {unique_id!r}", unique_id
            )
        return None

    def _internal_fault(self, exc: Exception, frame: Call | CallResult | CallError) -> None:
        self._events.append(InternalFault(f"{type(exc).__name__}: {exc}", frame.unique_id))
        self._ledger.count_protocol_error(ErrorCode.INTERNAL_ERROR)
        if type(frame) is Call:
            self._outbox.append(
                encode_call_error(
                    frame.unique_id, ErrorCode.INTERNAL_ERROR, f"{frame.action[:64]} failed in the CSMS"
                )
            )

    # -- refusing garbage ----------------------------------------------------------------------

    def _refuse_frame(self, exc: RemoteProtocolError, data: str | bytes) -> None:
        unique_id = exc.unique_id
        code = self.dialect.code(exc.error_code)
        # never answer a (broken) CALLRESULT or CALLERROR with a CALLERROR: the peer would loop
        answered = unique_id is not None and not _is_answer_frame(data)
        if answered:
            assert unique_id is not None
            self._outbox.append(encode_call_error(unique_id, code, exc.message))
        self._ledger.count_protocol_error(code)
        self._events.append(ProtocolViolation(code.value, exc.message, unique_id, answered))

    def _refuse_call(self, unique_id: str, code: ErrorCode, description: str) -> None:
        code = self.dialect.code(code)
        self._outbox.append(encode_call_error(unique_id, code, description))
        self._ledger.count_protocol_error(code)
        self._events.append(ProtocolViolation(code.value, description, unique_id, True))

    def _violation(self, code: ErrorCode, description: str, unique_id: str | None) -> None:
        code = self.dialect.code(code)
        self._ledger.count_protocol_error(code)
        self._events.append(ProtocolViolation(code.value, description, unique_id, False))

    # -- CSMS-initiated calls ------------------------------------------------------------------

    def call(self, action: str, payload: msgspec.Struct, now: float) -> str:
        """Queue a CSMS-initiated CALL; return its message id. The answer arrives as a
        ``CsmsCallResult`` or ``CsmsCallError`` event carrying that id."""
        dialect = self.dialect
        if action not in dialect.csms_initiated:
            raise LocalProtocolError(
                f"{action!r} is not an OCPP {dialect.version} request a CSMS may send; "
                f"expected one of: {', '.join(sorted(dialect.csms_initiated))}"
            )
        request_type = dialect.actions[action][0]
        if type(payload) is not request_type:
            raise LocalProtocolError(
                f"{action} needs a {dialect.package}.{request_type.__name__} payload, "
                f"got {type(payload).__name__}"
            )
        self._next_id += 1
        unique_id = f"{self._id_prefix}{self._next_id}"
        self._pending[unique_id] = action
        self._outbox.append(encode_call(unique_id, action, payload))
        return unique_id

    def abandon_call(self, unique_id: str) -> None:
        """Stop waiting for an answer (the shell timed out). A late answer is then ignored."""
        if self._pending.pop(unique_id, None) is not None:
            self._abandoned[unique_id] = None
            if len(self._abandoned) > _MAX_ABANDONED:
                del self._abandoned[next(iter(self._abandoned))]

    def pending_calls(self) -> dict[str, str]:
        """CSMS-initiated calls still waiting for an answer: message id -> action."""
        return dict(self._pending)

    # -- output --------------------------------------------------------------------------------

    def data_to_send(self) -> list[str]:
        """Frames to write to the station, in order. Each call drains the queue."""
        out = self._outbox
        if out:
            self._outbox = []
            if self.observer is not None:
                self.observer.frames_out(self.station_id, out)
            return out
        return []

    def events(self) -> list[CsmsEvent]:
        """What happened since the last call (CSMS call outcomes, violations). Drains the queue."""
        events = self._events
        if events:
            self._events = []
            return events
        return []


def _is_answer_frame(data: str | bytes) -> bool:
    try:
        loose = _loose_decoder.decode(data)
    except Exception:  # anything unreadable is certainly not a well-formed answer
        return False
    return bool(loose) and type(loose[0]) is int and loose[0] in (3, 4)
