"""NotifyEvent, when OCPP 2.0.1 has a station send it (Monitoring, use cases N04, N07, N08).

Connector status changes are reported with StatusNotification (G01); repeating each as a
NotifyEvent doubles that traffic, which real stations do not do. NotifyEvent goes out for:
- hard-wired monitors on problems: a connector fault (``Connector.Problem``) and a plug-retention
  lock that fails (``ConnectorPlugRetentionLock.Problem``), alerted and later cleared;
- variable monitors a CSMS sets with SetVariableMonitoring (``Delta`` on a state variable such as
  ``Connector.AvailabilityState``: every change is an event, ``CustomMonitor``).
``MonitoringCtrlr.Enabled`` false silences both. Events are sent while online only, as status is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._evse import CONNECTOR_ID
from fleet.station._outgoing import OutgoingCall

# the monitor types a station whose monitored variables are states (not measurements) supports
_SUPPORTED_TYPES = frozenset({"Delta"})

VariableKey = tuple[str, int | None, int | None, str]  # component, evse id, connector id, variable


@dataclass(frozen=True, slots=True)
class _VariableMonitor:
    monitor_id: int
    key: VariableKey
    type: v201.MonitorEnum
    severity: int


def _component(name: str, evse_id: int | None, connector_id: int | None) -> v201.Component:
    evse: v201.EVSE | msgspec.UnsetType = msgspec.UNSET
    if evse_id is not None:
        evse = v201.EVSE(id=evse_id, connector_id=connector_id if connector_id is not None else msgspec.UNSET)
    return v201.Component(name=name, evse=evse)


def _key(component: v201.Component, variable: v201.Variable) -> VariableKey:
    evse = component.evse
    if isinstance(evse, v201.EVSE):
        connector = evse.connector_id if isinstance(evse.connector_id, int) else None
        if component.name == "Connector" and connector is None:
            connector = CONNECTOR_ID  # one connector per EVSE: "the connector of EVSE n"
        return (component.name, evse.id, connector, variable.name)
    return (component.name, None, None, variable.name)


class Monitor:
    def __init__(self, ctx: StationContext) -> None:
        self._ctx = ctx
        self._next_event_id = 1
        self._next_monitor_id = 1
        self._monitors: dict[int, _VariableMonitor] = {}

    def table(self) -> dict[str, Any]:
        return {
            "SetVariableMonitoring": self.set_variable_monitoring,
            "ClearVariableMonitoring": self.clear_variable_monitoring,
        }

    # --- what the station reports ----------------------------------------------------------------

    def variable_changed(
        self,
        component: str,
        evse_id: int | None,
        connector_id: int | None,
        variable: str,
        value: str,
        now: float,
    ) -> None:
        """A state variable took a new value: events for the Delta monitors set on it."""
        if not self._monitors:
            return  # the common case: no CSMS asked for monitoring
        key = (component, evse_id, connector_id, variable)
        matching = [monitor for monitor in self._monitors.values() if monitor.key == key]
        if matching:
            self._notify(
                [
                    self._event(key, value, "Delta", now, "CustomMonitor", monitor_id=monitor.monitor_id)
                    for monitor in matching
                ],
                now,
            )

    def connector_problem(self, evse_id: int, problem: bool, now: float) -> None:
        """A connector fault appeared (or cleared): the hard-wired Problem alert."""
        self._ctx.model.set_actual(
            "Connector", "Problem", _boolean(problem), evse_id=evse_id, connector_id=CONNECTOR_ID
        )
        self._alert(("Connector", evse_id, CONNECTOR_ID, "Problem"), problem, now)

    def lock_problem(self, evse_id: int, problem: bool, now: float) -> None:
        self._alert(("ConnectorPlugRetentionLock", evse_id, CONNECTOR_ID, "Problem"), problem, now)

    def _alert(self, key: VariableKey, problem: bool, now: float) -> None:
        value = _boolean(problem)
        events = [self._event(key, value, "Alerting", now, "HardWiredNotification", cleared=not problem)]
        self._notify(events, now)
        self.variable_changed(*key, value, now)

    def _event(
        self,
        key: VariableKey,
        actual_value: str,
        trigger: v201.EventTriggerEnum,
        now: float,
        kind: v201.EventNotificationEnum,
        *,
        cleared: bool = False,
        monitor_id: int | None = None,
    ) -> v201.EventData:
        component, evse_id, connector_id, variable = key
        event_id, self._next_event_id = self._next_event_id, self._next_event_id + 1
        return v201.EventData(
            event_id=event_id,
            timestamp=self._ctx.clock.at(now),
            trigger=trigger,
            actual_value=actual_value,
            component=_component(component, evse_id, connector_id),
            variable=v201.Variable(name=variable),
            event_notification_type=kind,
            cleared=True if cleared else msgspec.UNSET,
            variable_monitoring_id=monitor_id if monitor_id is not None else msgspec.UNSET,
        )

    def _notify(self, events: list[v201.EventData], now: float) -> None:
        ctx = self._ctx
        if not ctx.channel.is_online or not ctx.model.get_bool("MonitoringCtrlr", "Enabled", True):
            return
        request = v201.NotifyEventRequest(generated_at=ctx.clock.at(now), seq_no=0, event_data=events)
        ctx.channel.send(OutgoingCall("NotifyEvent", request, now), now)

    # --- what the CSMS asks (N04, N06) ----------------------------------------------------------

    def set_variable_monitoring(
        self, request: v201.SetVariableMonitoringRequest, now: float
    ) -> tuple[v201.SetVariableMonitoringResponse, None]:
        results = [self._set_one(data) for data in request.set_monitoring_data]
        return v201.SetVariableMonitoringResponse(set_monitoring_result=results), None

    def _set_one(self, data: v201.SetMonitoringData) -> v201.SetMonitoringResult:
        def result(
            status: v201.SetMonitoringStatusEnum, monitor_id: int | None = None
        ) -> v201.SetMonitoringResult:
            return v201.SetMonitoringResult(
                status=status,
                type=data.type,
                component=data.component,
                variable=data.variable,
                severity=data.severity,
                id=monitor_id if monitor_id is not None else msgspec.UNSET,
            )

        unknown = self._ctx.model.check_exists(data.component, data.variable)
        if unknown is not None:
            return result(unknown)
        if data.type not in _SUPPORTED_TYPES:
            return result("UnsupportedMonitorType")
        if not 0 <= data.severity <= 9:
            return result("Rejected")
        key = _key(data.component, data.variable)
        if isinstance(data.id, int):
            if data.id not in self._monitors:
                return result("Rejected")  # an id names a monitor to replace: there is none
            monitor_id = data.id
        else:
            if any(m.key == key and m.type == data.type for m in self._monitors.values()):
                return result("Duplicate")
            monitor_id, self._next_monitor_id = self._next_monitor_id, self._next_monitor_id + 1
        self._monitors[monitor_id] = _VariableMonitor(monitor_id, key, data.type, data.severity)
        return result("Accepted", monitor_id)

    def clear_variable_monitoring(
        self, request: v201.ClearVariableMonitoringRequest, now: float
    ) -> tuple[v201.ClearVariableMonitoringResponse, None]:
        results = [
            v201.ClearMonitoringResult(
                status="Accepted" if self._monitors.pop(monitor_id, None) is not None else "NotFound",
                id=monitor_id,
            )
            for monitor_id in request.id
        ]
        return v201.ClearVariableMonitoringResponse(clear_monitoring_result=results), None


def _boolean(value: bool) -> str:
    return "true" if value else "false"
