"""What a load plan records of one station while the frames model runs it: each visit its drivers
draw (``arrived``/``left``, told by fleet.behaviour's PlannedDriver with a log) and what the station core
did of it (plug-in, transaction start and stop, unplug: its events, timed by the last input).

``PlanRecordingStation`` wraps the ProfileStation for the simulation loop: it passes everything
through and reads the station's events on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleet.behaviour import PlannedEvse, PlannedVisit, ProfileStation, StationShell, Visit
from fleet.station import (
    Behaviour,
    ConnectorStatusChanged,
    Event,
    TransactionEnded,
    TransactionStarted,
)

# a connector status saying a cable is in (2.0.1 Occupied; 1.6's statuses of a plugged connector)
_PLUGGED = frozenset({"Occupied", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"})


@dataclass(slots=True)
class _VisitRecord:
    visit: Visit  # the driver's; depart_at may move (a DC driver leaves once full)
    arrival_s: float
    soc_percent: float  # on arrival (the battery's moves on)
    plugged_in_s: float | None = None
    started_s: float | None = None
    stopped_s: float | None = None
    unplugged_s: float | None = None
    energy_wh: float | None = None
    left: bool = False

    def planned(self) -> PlannedVisit:
        visit = self.visit
        return PlannedVisit(
            arrival_s=self.arrival_s,
            departs_s=visit.depart_at,
            ev_model=visit.battery.model.name,
            soc_percent=self.soc_percent,
            target_soc_percent=visit.battery.target_percent,
            id_token=visit.token,
            start_method=visit.method,
            plug_in_first=visit.plug_in_first,
            unplug_before_stop=visit.unplug_before_stop,
            idle_after_stop=visit.idle_after_stop,
            plugged_in_s=self.plugged_in_s,
            started_s=self.started_s,
            stopped_s=self.stopped_s,
            unplugged_s=self.unplugged_s,
            energy_wh=None if self.energy_wh is None else round(self.energy_wh, 3),
        )


class StationVisitLog:
    """One station's visits, per EVSE, in order (a fleet.behaviour.VisitLog)."""

    def __init__(self, evse_count: int) -> None:
        self._visits: dict[int, list[_VisitRecord]] = {evse: [] for evse in range(1, evse_count + 1)}

    def arrived(self, evse_id: int, at: float, visit: Visit) -> None:
        self._visits[evse_id].append(_VisitRecord(visit, at, visit.battery.soc_percent))

    def left(self, evse_id: int, at: float, visit: Visit) -> None:
        current = self._current(evse_id)
        if current is not None:
            current.left = True

    def event(self, event: Event, now: float) -> None:
        if isinstance(event, ConnectorStatusChanged):
            self._status(event.evse_id, event.status, now)
        elif isinstance(event, TransactionStarted):
            current = self._current(event.evse_id)
            if current is not None and current.started_s is None:
                current.started_s = now
        elif isinstance(event, TransactionEnded):
            current = self._current(event.evse_id)
            if current is not None and current.started_s is not None and current.stopped_s is None:
                current.stopped_s, current.energy_wh = now, event.energy_wh

    def _status(self, evse_id: int, status: str, now: float) -> None:
        current = self._current(evse_id)
        if current is None:
            return
        if status in _PLUGGED and current.plugged_in_s is None:
            current.plugged_in_s = now
        elif status == "Available" and current.plugged_in_s is not None and current.unplugged_s is None:
            current.unplugged_s = now

    def _current(self, evse_id: int) -> _VisitRecord | None:
        visits = self._visits.get(evse_id)
        return visits[-1] if visits else None

    def planned_evses(self) -> list[PlannedEvse]:
        """The visits whose driver stayed (plugged in), per EVSE; turned-away drivers are left out."""
        return [
            PlannedEvse(
                evse_id=evse_id,
                visits=[record.planned() for record in records if record.visit.plugged],
            )
            for evse_id, records in self._visits.items()
        ]


class PlanRecordingStation(StationShell):
    """A ProfileStation for the simulation loop, its events read into ``log`` on the way out: the
    connection side goes straight to the station core (as the ProfileStation's does), the timers
    and the behaviour to the ProfileStation."""

    def __init__(self, station: ProfileStation, log: StationVisitLog) -> None:
        self.inner = station
        self.station = station.station
        self.log = log
        self._now = 0.0  # the time of the latest input: the events it raised happened then

    @property
    def behaviour(self) -> Behaviour | None:
        return self.inner.behaviour

    def connected(self, now: float) -> None:
        self._now = now
        super().connected(now)

    def disconnected(self, now: float) -> None:
        self._now = now
        super().disconnected(now)

    def receive(self, data: str | bytes, now: float) -> None:
        self._now = now
        super().receive(data, now)

    def handle_timer(self, now: float) -> None:
        self._now = now
        self.inner.handle_timer(now)

    def next_deadline(self) -> float | None:
        return self.inner.next_deadline()

    def events(self) -> list[Event]:
        events = super().events()
        for event in events:
            self.log.event(event, self._now)
        return events
