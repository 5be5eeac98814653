"""Security events (OCPP 2.0.1 A04) and the reconnect a new BasicAuthPassword asks for (A01).

A security event that happens while the station cannot talk to the CSMS (its certificate was
not valid, say) is kept and sent with SecurityEventNotification once the boot is accepted again;
only a few are kept, the oldest going first, so a station failing for days does not grow.
"""

from __future__ import annotations

import msgspec

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._events import ReconnectRequested
from fleet.station._outgoing import OutgoingCall

_KEPT_WHILE_OFFLINE = 16
_MAX_TECH_INFO = 255  # SecurityEventNotificationRequest.techInfo


class SecurityEvents:
    def __init__(self, ctx: StationContext) -> None:
        self._ctx = ctx
        # a list, not a deque: an empty deque costs ~600 bytes per station, and this one is empty
        # unless the station was offline when a critical event happened
        self._waiting: list[v201.SecurityEventNotificationRequest] = []

    def report(self, event_type: str, now: float, tech_info: str | None = None) -> None:
        request = v201.SecurityEventNotificationRequest(
            type=event_type,
            timestamp=self._ctx.clock.at(now),
            tech_info=tech_info[:_MAX_TECH_INFO] if tech_info else msgspec.UNSET,
        )
        if self._ctx.channel.is_online:
            self._ctx.channel.send(OutgoingCall("SecurityEventNotification", request, now), now)
        else:
            self._waiting.append(request)
            del self._waiting[:-_KEPT_WHILE_OFFLINE]  # the newest are kept

    def send_waiting(self, now: float) -> None:
        waiting, self._waiting = self._waiting, []
        for request in waiting:
            self._ctx.channel.send(OutgoingCall("SecurityEventNotification", request, now), now)

    def after_set_variables(self, response: v201.SetVariablesResponse) -> None:
        """A01: an accepted new BasicAuthPassword is used from the next connection on, and the
        station reconnects to use it now."""
        for result in response.set_variable_result:
            if (
                result.attribute_status == "Accepted"
                and result.component.name == "SecurityCtrlr"
                and result.variable.name == "BasicAuthPassword"
            ):
                self._ctx.events.append(ReconnectRequested("BasicAuthPassword"))
                return
