"""NotifyEvent for hard-wired monitors: connector availability changes and plug-lock problems."""

from __future__ import annotations

import msgspec

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._evse import CONNECTOR_ID
from fleet.station._outgoing import OutgoingCall


class Monitor:
    def __init__(self, ctx: StationContext) -> None:
        self._ctx = ctx
        self._next_event_id = 1

    def availability_changed(self, evse_id: int, status: str, now: float) -> None:
        self._notify(
            v201.Component(name="Connector", evse=v201.EVSE(id=evse_id, connector_id=CONNECTOR_ID)),
            v201.Variable(name="AvailabilityState"),
            status,
            "Delta",
            now,
        )

    def lock_problem(self, evse_id: int, problem: bool, now: float) -> None:
        self._notify(
            v201.Component(
                name="ConnectorPlugRetentionLock", evse=v201.EVSE(id=evse_id, connector_id=CONNECTOR_ID)
            ),
            v201.Variable(name="Problem"),
            "true" if problem else "false",
            "Alerting",
            now,
            cleared=not problem,
        )

    def _notify(
        self,
        component: v201.Component,
        variable: v201.Variable,
        actual_value: str,
        trigger: v201.EventTriggerEnum,
        now: float,
        *,
        cleared: bool = False,
    ) -> None:
        event_id, self._next_event_id = self._next_event_id, self._next_event_id + 1
        timestamp = self._ctx.clock.at(now)
        data = v201.EventData(
            event_id=event_id,
            timestamp=timestamp,
            trigger=trigger,
            actual_value=actual_value,
            component=component,
            variable=variable,
            event_notification_type="HardWiredNotification",
            cleared=True if cleared else msgspec.UNSET,
        )
        request = v201.NotifyEventRequest(generated_at=timestamp, seq_no=0, event_data=[data])
        self._ctx.channel.send(OutgoingCall("NotifyEvent", request, now), now)
