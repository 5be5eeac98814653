"""What a station's connection core reports, as Locust requests: one per OCPP round trip, named by
its action, and one per connection attempt.

``EventReporter`` is the ``fleet.connection.Recorder`` of one Locust user. Latency runs from the
time a message was *due* (``intended_at``), not from when the greenlet got round to sending it, so
a saturated Locust worker cannot hide a slow CSMS (coordinated omission); the core reports it in
real seconds (simulated ones divided by the speed), Locust wants milliseconds.

Locust groups failures by their message, so a message never names the station: the core's errors
name the target by the user's ``--host`` (``where=``) and pass the station id on its own, and
``locust_message`` takes the station id out of any message that still names it. The option names
in the messages are the Locust shell's (``--fleet-password``
where ``fleet run`` says ``--password``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from fleet import connection as core

CONNECTION_REQUEST_TYPE = "WebSocket"  # the Type column of connection attempts and drops
# the kinds of a failed connection attempt (fleet.connection.classify_error's vocabulary)
CONNECT_FAILURES = frozenset(
    {core.AUTH, core.NOT_FOUND, core.REFUSED, core.DNS, core.TIMEOUT, core.TLS, core.HTTP_STATUS}
    | {core.SERVER_CERTIFICATE, core.CLIENT_CERTIFICATE, core.SUBPROTOCOL, core.CLOSED, core.OTHER}
)
STATION_PLACEHOLDER = "<station id>"  # where a message named the station


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


def locust_message(kind: str, message: str, station_id: str) -> str:
    """The core's error message as a Locust failure: no station id (Locust groups failures by
    message), and a failed connect led by its kind (as `fleet run` counts it: auth_rejected,
    server_certificate, ...). The option names are Locust's already (ConnectionSettings)."""
    if station_id:
        message = message.removeprefix(f"{station_id}: ").replace(station_id, STATION_PLACEHOLDER)
    return f"{kind}: {message}" if kind in CONNECT_FAILURES else message


class EventReporter:
    """Fires Locust's request event for what one station's connection reports (a
    ``fleet.connection.Recorder``). The shell says when a connection attempt starts
    (``connecting``) and how large the last chunk it received was (``response_length``)."""

    def __init__(
        self,
        fire: RequestEvent,
        request_type: str,
        station_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fire = fire
        self._request_type = request_type
        self._station_id = station_id
        self._clock = clock
        self._context = {"station_id": station_id}
        self._connecting_at: float | None = None
        self._muted = False
        self.response_length = 0  # bytes of the data that caused what is reported (0: a timer)

    # --- what the shell tells --------------------------------------------------------------------

    def connecting(self, now: float) -> None:
        """A connection attempt starts at real time ``now`` (the handshake time runs from here)."""
        self._connecting_at = now

    def mute(self) -> None:
        """The user stops: whatever the stop itself causes is not the CSMS's doing."""
        self._muted = True

    # --- fleet.connection.Recorder -------------------------------------------------------------

    def call_succeeded(self, action: str, latency_s: float) -> None:
        self._request(action, latency_s * 1000.0, self.response_length, None)

    def call_failed(self, action: str, error_code: str, latency_s: float) -> None:
        self._request(action, latency_s * 1000.0, self.response_length, OcppCallError(error_code, ""))

    def message_dropped(self, action: str, reason: str) -> None:
        self._request(f"{action} (dropped)", 0.0, 0, MessageGivenUp(reason))

    def station_connected(self) -> None:
        self._connection("connect", self._handshake_ms(), None)

    def error(
        self, kind: str, message: str, *, station_id: str | None = None, at_s: float | None = None
    ) -> None:
        text = locust_message(kind, message, station_id or self._station_id)
        if kind == core.PROTOCOL_ERROR:
            self._request("protocol error", 0.0, 0, CsmsProtocolError(text))
        elif kind == core.CONNECTION_LOST:
            self._connection("connection lost", 0.0, ConnectionFailed(text))
        elif kind in CONNECT_FAILURES:
            self._connection("connect", self._handshake_ms(), ConnectionFailed(text))
        else:  # a kind this shell does not know yet: its own row, never lost
            self._connection(kind, 0.0, ConnectionFailed(text))

    # what Locust has no row for
    def request_answered(self, action: str, error_code: str | None) -> None:
        pass

    def station_disconnected(self) -> None:
        pass

    def station_booted(self) -> None:
        pass

    def reconnect(self) -> None:
        pass

    def transaction_started(self) -> None:
        pass

    def transaction_ended(self, energy_wh: float) -> None:
        pass

    def energy_metered(self, wh: float) -> None:
        pass

    def timer_fired(self, lateness_s: float) -> None:
        pass

    # --- inside --------------------------------------------------------------------------------

    def _handshake_ms(self) -> float:
        started, self._connecting_at = self._connecting_at, None
        return 0.0 if started is None else max(0.0, self._clock() - started) * 1000.0

    def _request(self, name: str, response_ms: float, length: int, error: BaseException | None) -> None:
        self._emit(self._request_type, name, response_ms, length, error)

    def _connection(self, name: str, response_ms: float, error: BaseException | None) -> None:
        self._emit(CONNECTION_REQUEST_TYPE, name, response_ms, 0, error)

    def _emit(
        self, request_type: str, name: str, response_ms: float, length: int, error: BaseException | None
    ) -> None:
        if self._muted:
            return
        self._fire(
            request_type=request_type,
            name=name,
            response_time=response_ms,
            response_length=length,
            exception=error,
            context=self._context,
        )
