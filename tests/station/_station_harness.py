"""A scripted fake CSMS for driving one sans-IO Station with fixed ``now`` values.

It records every frame in both directions (to validate against the official schemas at the end),
keeps the station's unanswered CALLs, and answers them with typed v201 responses.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
from hypothesis import strategies as st

from fleet.ocpp import RemoteProtocolError, encode_call, encode_call_error, encode_call_result, v16, v201
from fleet.station import Event, Station, Station16, StationConfig
from support import OcppSchemaValidator
from support.fuzzing import mutated_answer
from support.instances import build_instance

EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z: the station's wall clock is EPOCH + now
MAX_ROUNDS = 200  # bounds every "answer until quiet" loop


@dataclass(slots=True)
class SentCall:
    unique_id: str
    action: str
    payload: dict[str, Any]


def wall(now: float) -> datetime:
    return datetime.fromtimestamp(EPOCH + now, tz=UTC)


def make_station(evse_count: int = 1, seed: int = 7, **overrides: Any) -> Station:
    config = StationConfig(station_id="CS-TEST-1", evse_count=evse_count, wall_clock_epoch=EPOCH, **overrides)
    return Station(config, random.Random(seed))


def set_variable(
    station: Station, component: str, variable: str, value: str, instance: str | None = None
) -> None:
    """Configure through the same path a CSMS uses; fails loudly if the model refuses."""
    request = v201.SetVariablesRequest(
        set_variable_data=[
            v201.SetVariableData(
                attribute_value=value,
                component=v201.Component(name=component),
                variable=v201.Variable(name=variable, instance=instance if instance else msgspec.UNSET),
            )
        ]
    )
    result = station.device_model.set_variables(request).set_variable_result[0]
    assert result.attribute_status == "Accepted", (component, variable, value, result)


def default_response(call: SentCall, now: float) -> msgspec.Struct:
    """What an accommodating CSMS answers."""
    if call.action == "BootNotification":
        return v201.BootNotificationResponse(current_time=wall(now), interval=300, status="Accepted")
    if call.action == "Heartbeat":
        return v201.HeartbeatResponse(current_time=wall(now))
    if call.action == "Authorize":
        return v201.AuthorizeResponse(id_token_info=v201.IdTokenInfo(status="Accepted"))
    if call.action == "TransactionEvent":
        if "idToken" in call.payload:
            return v201.TransactionEventResponse(id_token_info=v201.IdTokenInfo(status="Accepted"))
        return v201.TransactionEventResponse()
    if call.action == "DataTransfer":
        return v201.DataTransferResponse(status="Accepted")
    response_type = v201.ACTIONS[call.action][1]
    return response_type()


@dataclass
class FakeCsms:
    station: Station | Station16
    log: list[tuple[str, str]] = field(default_factory=list)  # ("sent" by the station | "received")
    pending: list[SentCall] = field(default_factory=list)
    calls: list[SentCall] = field(default_factory=list)  # every CALL the station ever sent
    replies: dict[str, list[Any]] = field(default_factory=dict)  # our CALL id -> the station's answer
    events: list[Event] = field(default_factory=list)
    _next_id: int = 0
    # the OCPP version spoken: its default answers and the schemas the station's frames must meet
    responder: Callable[[SentCall, float], msgspec.Struct] = default_response
    version: str = "2.0.1"

    def pump(self) -> list[SentCall]:
        """Collect what the station sent since the last pump; return the new CALLs."""
        new: list[SentCall] = []
        for text in self.station.data_to_send():
            self.log.append(("sent", text))
            frame = json.loads(text)
            if frame[0] == 2:
                call = SentCall(frame[1], frame[2], frame[3])
                new.append(call)
            else:
                self.replies[frame[1]] = frame
        self.pending.extend(new)
        self.calls.extend(new)
        self.events.extend(self.station.events())
        return new

    def _deliver(self, text: str, now: float) -> None:
        self.log.append(("received", text))
        self.station.receive(text, now)
        self.pump()

    def feed_untrusted(self, text: str, now: float) -> None:
        """Deliver a frame that may be malformed: RemoteProtocolError is the one exception allowed."""
        self.log.append(("received", text))
        with contextlib.suppress(RemoteProtocolError):
            self.station.receive(text, now)
        self.pump()

    def answer_pending_mutated(self, data: st.DataObject, now: float, *, rounds: int = 3) -> None:
        """Answer up to ``rounds`` pending CALLs with mutated responses (see ``mutated_answer``)."""
        actions = v16.ACTIONS if self.version == "1.6" else v201.ACTIONS
        for _ in range(rounds):
            if not self.pending_actions():
                return
            call = self.pending.pop(0)
            response = build_instance(actions[call.action][1], full=data.draw(st.booleans()))
            self.feed_untrusted(mutated_answer(call.unique_id, response, data), now)

    def take(self, action: str) -> SentCall:
        self.pump()
        for call in self.pending:
            if call.action == action:
                self.pending.remove(call)
                return call
        raise AssertionError(f"no pending {action}; pending: {[c.action for c in self.pending]}")

    def pending_actions(self) -> list[str]:
        self.pump()
        return [call.action for call in self.pending]

    def answer(self, call: SentCall, response: msgspec.Struct | None = None, *, now: float) -> None:
        if call in self.pending:
            self.pending.remove(call)
        payload = response if response is not None else self.responder(call, now)
        self._deliver(encode_call_result(call.unique_id, payload), now)

    def fail(self, call: SentCall, code: str, *, now: float) -> None:
        if call in self.pending:
            self.pending.remove(call)
        self._deliver(encode_call_error(call.unique_id, code, "refused by the test"), now)

    def answer_all(self, now: float, *, keep: tuple[str, ...] = ()) -> list[SentCall]:
        """Answer every pending CALL (and the ones those answers cause) with default responses,
        except those whose action is in ``keep``."""
        answered: list[SentCall] = []
        for _ in range(MAX_ROUNDS):
            self.pump()
            waiting = [call for call in self.pending if call.action not in keep]
            if not waiting:
                return answered
            call = waiting[0]
            self.answer(call, now=now)
            answered.append(call)
        raise AssertionError("the station kept sending: more than MAX_ROUNDS calls")

    def call(self, action: str, request: msgspec.Struct, now: float) -> list[Any]:
        """Send a CSMS CALL; return the station's CALLRESULT/CALLERROR as a JSON list."""
        self._next_id += 1
        unique_id = f"csms-{self._next_id}"
        self._deliver(encode_call(unique_id, action, request), now)
        return self.replies.pop(unique_id)

    def advance(self, station_now: float, until: float, *, answer: bool = True) -> float:
        """Fire the station's timers up to ``until`` (answering CALLs when asked); return until."""
        for _ in range(10_000):
            deadline = self.station.next_deadline()
            if deadline is None or deadline > until:
                break
            self.station.handle_timer(deadline)
            if answer:
                self.answer_all(deadline)
            else:
                self.pump()
        else:
            raise AssertionError("timers kept firing: more than 10000 rounds")
        return until

    def drain_events(self) -> list[Event]:
        self.pump()
        events, self.events = self.events, []
        return events

    def sent_of(self, action: str) -> list[SentCall]:
        self.pump()
        return [call for call in self.calls if call.action == action]

    def assert_schema_valid(self) -> None:
        violations = OcppSchemaValidator(self.version).validate_stream(self.log, directions=("sent",))
        assert violations == []


def boot(station: Station, now: float = 0.0) -> FakeCsms:
    """Connect and register (Accepted), answering the boot-time messages."""
    return register(FakeCsms(station), now)


def register(csms: FakeCsms, now: float) -> FakeCsms:
    """Connect ``csms.station`` and register it (Accepted), answering the boot-time messages."""
    csms.station.connected(now)
    csms.answer(csms.take("BootNotification"), now=now)
    csms.answer_all(now)
    return csms


def events_of(events: list[Event], kind: type[Any]) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]
