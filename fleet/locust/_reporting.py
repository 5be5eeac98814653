"""Station events as Locust requests: one per OCPP round trip, named by its action.

Latency runs from the time the message was *due* (``intended_at``), not from when the greenlet
got round to sending it, so a saturated Locust worker cannot hide a slow CSMS (coordinated
omission). It is reported in real milliseconds: simulated seconds divided by the speed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from fleet.station import CallFailed, CallSucceeded, Event, MessageDropped, RebootRequested

CONNECTION_REQUEST_TYPE = "WebSocket"  # the Type column of connection attempts and drops


class OcppCallError(Exception):
    """A CALL the CSMS answered with a CALLERROR, or that got no answer (Timeout, ConnectionLost)."""

    def __init__(self, error_code: str, description: str) -> None:
        super().__init__(f"{error_code}: {description}" if description else error_code)
        self.error_code = error_code


class MessageGivenUp(Exception):
    """A message the station dropped: retries exhausted, or the offline queue overflowed."""


class ConnectionFailed(Exception):
    """Connecting to the CSMS failed, or an open connection broke; the message says why."""


class CsmsProtocolError(Exception):
    """The CSMS sent a frame the station had to refuse (malformed, or illegal in its state)."""


class RequestEvent(Protocol):
    """The signature of Locust's ``environment.events.request.fire``."""

    def __call__(
        self,
        *,
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        exception: BaseException | None,
        context: dict[str, Any],
    ) -> Any: ...


class EventReporter:
    """Fires Locust's request event for what one station reports."""

    def __init__(self, fire: RequestEvent, request_type: str, speed: float, station_id: str) -> None:
        self._fire = fire
        self._request_type = request_type
        self._speed = speed
        self._context = {"station_id": station_id}

    def station_events(self, events: Iterable[Event], response_length: int = 0) -> bool:
        """Report ``events``; ``response_length`` is the size of the frame that caused them (0 for
        timers). True when the station asked to be rebooted."""
        rebooting = False
        for event in events:
            if isinstance(event, CallSucceeded | CallFailed):
                latency_ms = max(0.0, event.completed_at - event.intended_at) / self._speed * 1000.0
                error = (
                    OcppCallError(event.error_code, event.description)
                    if isinstance(event, CallFailed)
                    else None
                )
                self._fire(
                    request_type=self._request_type,
                    name=event.action,
                    response_time=latency_ms,
                    response_length=response_length,
                    exception=error,
                    context=self._context,
                )
            elif isinstance(event, MessageDropped):
                self._fire(
                    request_type=self._request_type,
                    name=f"{event.action} (dropped)",
                    response_time=0.0,
                    response_length=0,
                    exception=MessageGivenUp(event.reason),
                    context=self._context,
                )
            elif isinstance(event, RebootRequested):
                rebooting = True
        return rebooting

    def connected(self, handshake_ms: float) -> None:
        self._connection("connect", handshake_ms, None)

    def connect_failed(self, handshake_ms: float, reason: str) -> None:
        self._connection("connect", handshake_ms, ConnectionFailed(reason))

    def connection_lost(self, reason: str) -> None:
        self._connection("connection lost", 0.0, ConnectionFailed(reason))

    def protocol_error(self, message: str) -> None:
        self._fire(
            request_type=self._request_type,
            name="protocol error",
            response_time=0.0,
            response_length=0,
            exception=CsmsProtocolError(message),
            context=self._context,
        )

    def _connection(self, name: str, response_ms: float, error: BaseException | None) -> None:
        self._fire(
            request_type=CONNECTION_REQUEST_TYPE,
            name=name,
            response_time=response_ms,
            response_length=0,
            exception=error,
            context=self._context,
        )
