"""The CALL side of one OCPP-J connection: queues, the single in-flight CALL, timeouts, retries.

OCPP-J allows one outstanding CALL per direction. Everything else waits here:
- the BootNotification in its own slot (it is the only thing sent before the boot is accepted);
- other messages in FIFO order; while offline they are not kept (reported as dropped);
- transaction messages in the OfflineQueue, in order, kept across disconnects, retried on error.
Before the boot is accepted only the boot goes out, plus, while Pending, the messages that
answer CSMS requests (NotifyReport, triggered messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fleet.ocpp import (
    CallError,
    CallResult,
    ErrorCode,
    RemoteProtocolError,
    decode_payload,
    encode_call,
    v201,
)
from fleet.station._events import BootStatus, CallFailed, CallSucceeded, Event, MessageDropped
from fleet.station._offline_queue import OfflineQueue
from fleet.station._outgoing import OutgoingCall
from fleet.station._protocols import ChannelSettings
from fleet.station._timers import Timers

_TIMEOUT_TIMER = "call-timeout"
_RETRY_TIMER = "transaction-retry"
# the timers that only move what is already queued: all a station keeps once its behaviour stops
CHANNEL_TIMERS = frozenset({_TIMEOUT_TIMER, _RETRY_TIMER})
_EXPIRED_IDS_KEPT = 32


class CallChannel:
    def __init__(
        self,
        events: list[Event],
        timers: Timers,
        settings: ChannelSettings,
        offline_limit: int,
        actions: Mapping[str, tuple[type, type]] = v201.ACTIONS,
    ) -> None:
        self._actions = actions  # the OCPP version's action -> (request, response) table
        self.outbox: list[str] = []
        self.connected = False
        self.registration: BootStatus | None = None
        self.transactions = OfflineQueue(offline_limit)
        self._events = events
        self._timers = timers
        self._settings = settings
        self._boot: OutgoingCall | None = None
        # lists, not deques: an empty deque costs ~600 bytes, an empty list 56, and these stay
        # short (an idle station's memory is mostly such empty containers)
        self._normal: list[OutgoingCall] = []
        self._in_flight: tuple[str, OutgoingCall] | None = None
        self._retry_pending = False
        self._ids_issued = 0
        # the latest real time seen: timer work runs at its (earlier) intended time, but a CALL's
        # timeout must count from when the frame really left
        self._latest_now = float("-inf")
        # when the last OCPP exchange happened: heartbeats only fill silences (HeartbeatInterval
        # is an "interval of inactivity", OCPP 2.0.1 part 2 appendix, OCPPCommCtrlr)
        self.last_exchange_at = float("-inf")
        # a CSMS that answers after our timeout is slow, not wrong: its late answer is ignored
        self._expired_ids: list[str] = []  # the latest _EXPIRED_IDS_KEPT

    @property
    def is_online(self) -> bool:
        return self.connected and self.registration == "Accepted"

    @property
    def transactions_idle(self) -> bool:
        """No transaction message queued or in flight."""
        return len(self.transactions) == 0

    @property
    def calls_waiting(self) -> int:
        """CALLs queued for the line (behind the one in flight, or held while offline)."""
        waiting = len(self._normal) + len(self.transactions) + (self._boot is not None)
        if self._in_flight is not None and self._in_flight[1].transactional:
            waiting -= 1  # the queue's head is the CALL in flight, not a waiting one
        return waiting

    @property
    def calls_unanswered(self) -> int:
        """CALLs waiting plus the one in flight: 0 once the CSMS has answered all that was queued."""
        return self.calls_waiting + (self._in_flight is not None)

    def observe(self, now: float) -> None:
        if now > self._latest_now:
            self._latest_now = now

    def send(self, call: OutgoingCall, now: float) -> None:
        if call.transactional:
            in_flight = self._in_flight is not None and self._in_flight[1].transactional
            for dropped in self.transactions.append(call, head_in_flight=in_flight):
                self._events.append(MessageDropped(dropped.action, "OfflineQueueFull"))
        elif call.action == "BootNotification":
            self._boot = call
        elif not self.connected:
            self._drop(call, "Offline", now)
            return
        else:
            self._normal.append(call)
        self.pump(now)

    def pump(self, now: float) -> None:
        """Send the next CALL if the line is free."""
        if self._in_flight is not None or not self.connected:
            return
        call = self._pick()
        if call is None:
            return
        self._ids_issued += 1
        unique_id = str(self._ids_issued)
        call.attempts += 1
        self.outbox.append(encode_call(unique_id, call.action, call.payload))
        self._in_flight = (unique_id, call)
        sent_at = now if now >= self._latest_now else self._latest_now
        if sent_at > self.last_exchange_at:
            self.last_exchange_at = sent_at
        self._timers.set(_TIMEOUT_TIMER, sent_at + self._settings.message_timeout, self._on_timeout)

    def _pick(self) -> OutgoingCall | None:
        if self._boot is not None:
            call, self._boot = self._boot, None
            return call
        if self.registration == "Accepted":
            if self._normal:
                return self._normal.pop(0)
            if not self._retry_pending:
                return self.transactions.head()  # stays queued until answered
        elif self.registration == "Pending":
            for call in self._normal:
                if call.csms_requested:
                    self._normal.remove(call)
                    return call
        return None

    def release(self, now: float) -> None:
        """The boot was accepted: what waited may go. Latency of a message that waited for the
        connection counts from now: the CSMS cannot be blamed for the time we were offline."""
        for call in (*self._normal, *self.transactions):
            call.intended_at = max(call.intended_at, now)
        self.pump(now)

    def on_call_result(self, frame: CallResult, now: float) -> None:
        taken = self._take_in_flight(frame.unique_id)
        if taken is None:
            return
        unique_id, call = taken
        response_type: type[Any] = self._actions[call.action][1]
        try:
            response = decode_payload(frame.payload, response_type, unique_id=unique_id, action=call.action)
        except RemoteProtocolError as exc:
            self._failed(call, unique_id, exc.error_code, exc.message, now)
            raise
        self._events.append(CallSucceeded(call.action, unique_id, call.intended_at, now))
        if call.transactional:
            self.transactions.pop_head()
        if call.on_result is not None:
            call.on_result(response, now)
        self.pump(now)

    def on_call_error(self, frame: CallError, now: float) -> None:
        taken = self._take_in_flight(frame.unique_id)
        if taken is not None:
            unique_id, call = taken
            self._failed(call, unique_id, frame.error_code, frame.error_description, now)

    def _take_in_flight(self, unique_id: str) -> tuple[str, OutgoingCall] | None:
        if self._in_flight is None or self._in_flight[0] != unique_id:
            if unique_id in self._expired_ids or unique_id == "-1":
                return None
            raise RemoteProtocolError(
                f"answer for message id {unique_id!r}, but no CALL with that id is waiting",
                error_code=ErrorCode.PROTOCOL_ERROR,
            )
        taken, self._in_flight = self._in_flight, None
        self._timers.cancel(_TIMEOUT_TIMER)
        return taken

    def _on_timeout(self, deadline: float, now: float) -> None:
        if self._in_flight is None:
            return
        (unique_id, call), self._in_flight = self._in_flight, None
        self._expired_ids.append(unique_id)
        if len(self._expired_ids) > _EXPIRED_IDS_KEPT:
            del self._expired_ids[0]
        timeout = self._settings.message_timeout
        self._failed(call, unique_id, "Timeout", f"no answer within {timeout} s", deadline)
        self.pump(now)

    def _failed(self, call: OutgoingCall, unique_id: str, code: str, description: str, now: float) -> None:
        self._events.append(CallFailed(call.action, unique_id, call.intended_at, now, code, description))
        if not call.transactional:
            if call.on_failure is not None:
                call.on_failure(code, now)
        elif call.attempts >= self._settings.message_attempts:
            self.transactions.pop_head()
            self._events.append(MessageDropped(call.action, "RetriesExhausted"))
            if call.on_failure is not None:
                call.on_failure("RetriesExhausted", now)
        else:
            # OCPP 2.0.1 E13: the wait grows with the attempt number
            retry_at = now + self._settings.message_attempt_interval * call.attempts
            call.intended_at = retry_at
            self._retry_pending = True
            self._timers.set(_RETRY_TIMER, retry_at, self._on_retry)
        self.pump(now)

    def _on_retry(self, deadline: float, now: float) -> None:
        self._retry_pending = False
        self.pump(now)

    def connection_up(self) -> None:
        self.connected = True

    def connection_down(self, now: float) -> None:
        if not self.connected:
            return
        self.connected = False
        self._timers.cancel(_TIMEOUT_TIMER)
        self._timers.cancel(_RETRY_TIMER)
        self._retry_pending = False
        self._boot = None  # never sent; the next connection boots afresh
        if self._in_flight is not None:
            (unique_id, call), self._in_flight = self._in_flight, None
            if call.transactional:
                call.attempts -= 1  # unanswered for want of a line: not an attempt the CSMS refused
            else:
                self._events.append(
                    CallFailed(
                        call.action, unique_id, call.intended_at, now, "ConnectionLost", "connection closed"
                    )
                )
                if call.on_failure is not None:
                    call.on_failure("ConnectionLost", now)
        while self._normal:
            self._drop(self._normal.pop(0), "ConnectionLost", now)

    def _drop(self, call: OutgoingCall, reason: str, now: float) -> None:
        self._events.append(MessageDropped(call.action, reason))
        if call.on_failure is not None:
            call.on_failure(reason, now)
