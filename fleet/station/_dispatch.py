"""Frames from the CSMS, for any OCPP version: answers to our CALLs go to the call channel, CALLs
to the version's handler table; what cannot be handled is answered with a CALLERROR.

A handler returns the response and, optionally, work to do AFTER the response is queued (so the
CSMS reads "Accepted" before the messages the request causes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import msgspec

from fleet.ocpp import (
    Call,
    CallResult,
    ErrorCode,
    RemoteProtocolError,
    decode_frame,
    decode_payload,
    encode_call_error,
    encode_call_result,
    refusal_message_id,
)
from fleet.station._connection import CallChannel
from fleet.station._events import Event, RequestAnswered

After = Callable[[], None] | None
Reply = tuple[msgspec.Struct, After]
Handler = Callable[[Any, float], Reply]


class LazyHandlers(Mapping[str, Handler]):
    """A station's action -> handler table, built by ``build`` at the first CSMS request. A table
    of bound methods costs 2-4 KB per station, and an idle fleet gets no CSMS requests."""

    __slots__ = ("_build", "_table")

    def __init__(self, build: Callable[[], dict[str, Handler]]) -> None:
        self._build = build
        self._table: dict[str, Handler] | None = None

    def _handlers(self) -> dict[str, Handler]:
        if self._table is None:
            self._table = self._build()
        return self._table

    def __getitem__(self, action: str) -> Handler:
        return self._handlers()[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._handlers())

    def __len__(self) -> int:
        return len(self._handlers())


def _same_code(code: ErrorCode) -> ErrorCode:
    return code


class IncomingFrames:
    def __init__(
        self,
        channel: CallChannel,
        events: list[Event],
        actions: Mapping[str, tuple[type, type]],
        handlers: Mapping[str, Handler],
        error_code: Callable[[ErrorCode], ErrorCode] = _same_code,
    ) -> None:
        self._channel = channel
        self._events = events
        self._actions = actions
        self._handlers = handlers
        self._error_code = error_code  # the version's name of a CALLERROR code

    def receive(self, data: str | bytes, now: float) -> None:
        try:
            frame = decode_frame(data)
        except RemoteProtocolError as exc:
            # under the frame's id, or "-1" when it cannot be read; a broken answer gets none
            unique_id = refusal_message_id(exc, data)
            if unique_id is not None:
                code = self._error_code(exc.error_code)
                self._channel.outbox.append(encode_call_error(unique_id, code, exc.message))
            raise
        if isinstance(frame, Call):
            self._on_call(frame, now)
        elif isinstance(frame, CallResult):
            self._channel.on_call_result(frame, now)
        else:
            self._channel.on_call_error(frame, now)

    def _on_call(self, frame: Call, now: float) -> None:
        action, unique_id = frame.action, frame.unique_id
        if self._channel.registration == "Rejected":
            # a rejected station answers nothing but SecurityError (OCPP 2.0.1 B03; 1.6 4.2.1)
            self._answer_error(unique_id, action, ErrorCode.SECURITY_ERROR, "registration was rejected")
            return
        handler = self._handlers.get(action)
        if handler is None:
            code = ErrorCode.NOT_SUPPORTED if action in self._actions else ErrorCode.NOT_IMPLEMENTED
            self._answer_error(unique_id, action, code, f"{action} is not supported by this station")
            return
        try:
            request: Any = decode_payload(
                frame.payload, self._actions[action][0], unique_id=unique_id, action=action
            )
        except RemoteProtocolError as exc:
            self._answer_error(unique_id, action, exc.error_code, exc.message)
            raise
        response, after = handler(request, now)
        self._channel.outbox.append(encode_call_result(unique_id, response))
        self._events.append(RequestAnswered(action))
        if after is not None:
            after()

    def _answer_error(self, unique_id: str, action: str, code: ErrorCode, description: str) -> None:
        code = self._error_code(code)
        self._channel.outbox.append(encode_call_error(unique_id, code, description))
        self._events.append(RequestAnswered(action, str(code)))
