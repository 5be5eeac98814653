"""Faults the embedded CSMS injects on purpose: a crash and restart, slow or missing answers,
CALLERRORs or Rejected for chosen actions, boots answered Pending for a while (or for a number of
boots, for a share of stations), chosen transaction messages refused, idTokens refused in the
transaction answer (``_transaction_faults``).

``CsmsFaults`` (in ``CsmsConfig.faults``) says what, in seconds from the CSMS's start;
``ActiveCsmsFaults`` is the running server's view of it (the start fixed, the events that
happened), which each session consults once per CALL. ``FaultEvent`` is what a results timeline
shows: the fault proxy (``fleet.chaos``) reports its faults in the same form.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, get_args

import msgspec
import trio
from trio_websocket import WebSocketRequest, WebSocketServer

from fleet.csms._transaction_faults import TxCallErrorCounter, TxCallErrors, TxTokenRefusal, share_chosen
from fleet.ocpp import ErrorCode, v16, v201

Window = tuple[float, float]  # (start, length) in seconds from the start


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """One fault as a timeline shows it: ``start``/``end`` on the shell's clock (trio time; end
    None: until the end of the run), ``kind`` (``csms-crash``, ``latency``, ...) and a detail."""

    kind: str
    start: float
    end: float | None
    detail: str = ""


def rejectable(action: str) -> bool:
    """Whether ``action``'s response (either OCPP version) has a ``status`` that can be Rejected."""
    for actions in (v201.ACTIONS, v16.ACTIONS):
        if action in actions:
            for item in msgspec.structs.fields(actions[action][1]):
                if item.name == "status" and "Rejected" in get_args(item.type):
                    return True
    return False


@dataclass(frozen=True, slots=True)
class CsmsFaults:
    """What the embedded CSMS does wrong on purpose (nothing by default)."""

    crashes: tuple[Window, ...] = ()  # down (every connection dropped, none accepted), then back
    slow: tuple[tuple[str, float], ...] = ()  # action, seconds added before its answer
    silent: frozenset[str] = frozenset()  # actions never answered
    call_errors: tuple[tuple[str, ErrorCode], ...] = ()  # actions answered with this CALLERROR
    rejected: frozenset[str] = frozenset()  # actions answered with status Rejected
    pending_boot_s: float = 0.0  # BootNotification answered Pending for this long, then Accepted
    pending_boots: int = 0  # or: the first N BootNotifications of a station answered Pending
    pending_share: float = 1.0  # the share of stations whose boots are Pending (seeded)
    pending_interval: int | None = None  # the retry interval a Pending answer gives (None: the CSMS's)
    tx_call_errors: TxCallErrors = field(default_factory=TxCallErrors)  # chosen transaction messages
    tx_token: TxTokenRefusal = field(default_factory=TxTokenRefusal)  # idTokens the tx answer refuses
    seed: int = 0  # the shares above are drawn from it

    def __post_init__(self) -> None:
        if self.pending_boots < 0 or not 0.0 <= self.pending_share <= 1.0:
            raise ValueError(
                f"pending-boots={self.pending_boots}, pending-share={self.pending_share}: "
                "expected a whole number >= 0 and a share between 0 and 1"
            )
        if self.pending_interval is not None and self.pending_interval < 0:
            raise ValueError(f"pending-interval={self.pending_interval}: expected whole seconds >= 0")
        for action in sorted(self.rejected):
            if not rejectable(action):
                raise ValueError(
                    f"reject={action}: its response has no status that can be Rejected "
                    f"(use callerror={action} instead)"
                )
        for start, length in self.crashes:
            if not (math.isfinite(start) and start >= 0 and math.isfinite(length) and length > 0):
                raise ValueError(f"crash={start}s+{length}s: expected a start >= 0 and a length > 0")

    def __bool__(self) -> bool:
        return bool(
            self.crashes
            or self.slow
            or self.silent
            or self.call_errors
            or self.rejected
            or self.pends
            or self.tx_call_errors
            or self.tx_token.status is not None
        )

    @property
    def pends(self) -> bool:
        """Whether some boots are answered Pending."""
        return self.pending_boot_s > 0 or self.pending_boots > 0

    def planned_events(self, origin: float) -> list[FaultEvent]:
        """The faults that last the whole run (or its start), as timeline events."""
        events = [
            FaultEvent("csms-slow", origin, None, f"{action} +{delay:g}s") for action, delay in self.slow
        ]
        events += [FaultEvent("csms-silent", origin, None, action) for action in sorted(self.silent)]
        events += [FaultEvent("csms-callerror", origin, None, f"{a}: {c.value}") for a, c in self.call_errors]
        events += [FaultEvent("csms-reject", origin, None, action) for action in sorted(self.rejected)]
        if self.pends:
            end = origin + self.pending_boot_s if self.pending_boot_s > 0 else None
            events.append(FaultEvent("csms-pending-boot", origin, end, self._pending_detail()))
        if self.tx_call_errors:
            events.append(FaultEvent("csms-tx-callerror", origin, None, self.tx_call_errors.describe()))
        if self.tx_token.status is not None:
            token = self.tx_token
            detail = f"{token.status} for {token.share:.0%} of tokens matching {token.pattern}"
            events.append(FaultEvent("csms-tx-token", origin, None, detail))
        return events

    def _pending_detail(self) -> str:
        detail = "BootNotification Pending"
        if self.pending_boots:
            detail += f" for the first {self.pending_boots} boot(s)"
        if self.pending_share < 1.0:
            detail += f", {self.pending_share:.0%} of stations"
        return detail


@dataclass(slots=True)
class ActiveCsmsFaults:
    """The faults of a running CSMS: ``origin`` is its start (trio time); ``events`` what happened."""

    faults: CsmsFaults
    origin: float
    events: list[FaultEvent] = field(default_factory=list)
    _tx_errors: TxCallErrorCounter = field(init=False)
    _pending_answered: dict[str, int] = field(init=False, default_factory=dict)  # station -> Pending boots

    def __post_init__(self) -> None:
        self.events.extend(self.faults.planned_events(self.origin))
        self._tx_errors = TxCallErrorCounter(self.faults.tx_call_errors, self.faults.seed)

    def delay(self, action: str) -> float:
        """Seconds to hold the answer to ``action`` back."""
        return sum(seconds for name, seconds in self.faults.slow if name == action)

    def call_error(
        self, action: str, station_id: str = "", request: msgspec.Struct | None = None
    ) -> ErrorCode | None:
        """The CALLERROR a fault answers ``action`` with (the request is then not processed)."""
        for name, code in self.faults.call_errors:
            if name == action:
                return code
        if request is not None and self.faults.tx_call_errors:
            return self._tx_errors.refuse(station_id, request)
        return None

    def _boot_pending(self, station_id: str, now: float) -> bool:
        """Whether this BootNotification of ``station_id`` is answered Pending (counted if so)."""
        faults = self.faults
        if not faults.pends or not share_chosen(faults.seed, station_id, faults.pending_share):
            return False
        if faults.pending_boot_s > 0 and now >= self.origin + faults.pending_boot_s:
            return False
        if faults.pending_boots > 0:
            answered = self._pending_answered.get(station_id, 0)
            if answered >= faults.pending_boots:
                return False
            self._pending_answered[station_id] = answered + 1
        return True

    def answer(
        self,
        action: str,
        response: Callable[[], msgspec.Struct],
        unbook: Callable[[], None],
        retry_interval: int,
        now: float,
        station_id: str = "",
    ) -> msgspec.Struct | None:
        """The answer to one CALL: None when it goes unanswered (the request is then not
        processed); else ``response()`` altered by a fault (``unbook`` is called when a
        BootNotification the CSMS accepted is answered otherwise)."""
        faults = self.faults
        if action in faults.silent:
            return None
        answer = response()
        status = "Rejected" if action in faults.rejected else None
        if action == "BootNotification" and status is None and self._boot_pending(station_id, now):
            status = "Pending"
            if faults.pending_interval is not None:
                retry_interval = faults.pending_interval
        if status is None:
            return answer
        if action == "BootNotification":  # the station retries after the boot retry interval
            unbook()
            return msgspec.structs.replace(answer, status=status, interval=retry_interval)
        return msgspec.structs.replace(answer, status=status)


async def serve_with_crashes(
    handler: Callable[[WebSocketRequest], Awaitable[None]],
    host: str,
    port: int,
    faults: ActiveCsmsFaults,
    *,
    task_status: trio.TaskStatus[WebSocketServer] = trio.TASK_STATUS_IGNORED,
    **server_options: Any,
) -> None:
    """Serve websockets on ``host:port`` and crash at each of ``faults``' crash windows: the
    listener closes (connections refused) and every connection drops; at the window's end it
    listens on the same port again. The handler's server (its ledger) lives on."""
    listeners = await trio.open_tcp_listeners(port, host=host)
    port = listeners[0].socket.getsockname()[1]
    started = False
    for start, length in sorted(faults.faults.crashes):
        async with trio.open_nursery() as nursery:
            server = await nursery.start(WebSocketServer(handler, listeners, **server_options).run)
            if not started:
                task_status.started(server)
                started = True
            await trio.sleep_until(faults.origin + start)
            nursery.cancel_scope.cancel()  # closes the listener and every connection
        down = trio.current_time()
        faults.events.append(FaultEvent("csms-crash", down, down + length, f"down {length:g}s, ledger kept"))
        await trio.sleep(length)
        listeners = await trio.open_tcp_listeners(port, host=host)
    server = WebSocketServer(handler, listeners, **server_options)
    await (server.run() if started else server.run(task_status=task_status))
