"""Dynamic load management in the session model: the EVSEs of one station share its power cap.

The EVSEs' visits do not depend on the cap (arrival, plug-in, the energy the driver wants and the
departure planned on arrival come from each EVSE's own random streams); only the charging does,
and the DC driver who leaves when the target SoC is reached (so the next visit of that EVSE moves
too). So the station's EVSEs run side by side, one event sweep over the station: each EVSE's
visits pause at each session's charging (``SessionEvse.visits``); the sweep charges every
session that runs, interval by interval, and resumes an EVSE's visits when its session's
charging ends. An interval ends when a session starts or ends, a fault begins or clears, and
every ``RESPLIT_S`` while several EVs share a cap that binds (a tapering EV's demand falls, an
EV reaches its target: what it no longer draws goes to the others).

In each interval the cap is split by water-filling over what each EV would draw at its EVSE's own
limits: no EV gets more than it draws, the rest of the cap is shared equally, and what the
demands leave over is shared equally as headroom (a rising DC curve may use it). So the EVSEs'
power never adds up to more than the cap, and a lone car charges as if it had the site to
itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fleet.simulation._session_evse import ChargeJob, EvseSink, SessionEvse, Visits
from fleet.station import share_station_limit

RESPLIT_S = 300.0  # while several EVs share a cap that binds, the split is recomputed this often


def water_fill(cap_w: float, demands_w: list[float]) -> list[float]:
    """Each demand's share of ``cap_w``: the demand itself while the cap allows, else an equal
    level (the largest demands are cut to it). The shares add up to at most ``cap_w``. The
    station cores' rule for a station maximum (``fleet.station.share_station_limit``), so a
    forecast's site cap and a live station's maximum split power the same way."""
    shares = share_station_limit(cap_w, dict(enumerate(demands_w)))
    return [shares.get(index, 0.0) for index in range(len(demands_w))]


@dataclass(slots=True)
class _Slot:
    """One EVSE in the sweep: its paused visits and the session whose charging is next or runs."""

    evse: SessionEvse
    sink: EvseSink
    visits: Visits
    job: ChargeJob | None = None
    begun: bool = False  # the job's start has been reached

    def resume(self) -> None:
        """Run the visits on to the next session's charging (None: no more)."""
        self.job, self.begun = next(self.visits, None), False

    def catch_up(self, at: float) -> None:
        """Begin the job if it starts by ``at``; end it (and any next one) if it is over."""
        while self.job is not None and self.job.start <= at:
            job = self.job
            if not self.begun:
                self.begun = True
                job.tx.updates.extend(self.evse.fault_changes(job.start, job.stop))
            if job.end() > at:
                return
            job.tx.updates.sort()
            self.resume()

    def demand_w(self, at: float) -> float:
        """What the EV draws at ``at`` at the EVSE's own limits (0: not charging then)."""
        if self.job is None or not self.begun or self.evse.faulted(at):
            return 0.0
        return self.evse.demand_w(self.job.visit)

    def next_change(self, at: float) -> list[float]:
        job = self.job
        if job is None:
            return []
        if not self.begun:
            return [job.start]
        return [job.end(), self.evse.next_fault_change(at)]


class SharedCharging:
    """The EVSEs of one station charging under one cap ``cap_w``, each into its own sink."""

    def __init__(self, cap_w: float, evses: list[tuple[SessionEvse, EvseSink]]) -> None:
        self._cap_w = cap_w
        self._slots = [_Slot(evse, sink, evse.visits(sink)) for evse, sink in evses]

    def run(self) -> None:
        for slot in self._slots:
            slot.resume()
        at = 0.0
        while True:
            for slot in self._slots:
                slot.catch_up(at)
            changes = [change for slot in self._slots for change in slot.next_change(at)]
            if not changes:
                return
            demands = [(slot, slot.demand_w(at)) for slot in self._slots]
            drawing = [(slot, demand) for slot, demand in demands if demand > 0.0]
            if len(drawing) > 1 and sum(demand for _, demand in drawing) > self._cap_w:
                changes.append(at + RESPLIT_S)  # they share and the cap binds: re-split as they taper
            until = min(change for change in changes if at < change < math.inf)
            shares = self._split([demand for _, demand in drawing])
            until = self._first_departure(at, until, [slot for slot, _ in drawing], shares)
            for (slot, _), share in zip(drawing, shares, strict=True):
                assert slot.job is not None
                slot.evse.charge_between(slot.job.visit, slot.job.tx, at, until, slot.sink, share)
            at = until

    @staticmethod
    def _first_departure(at: float, until: float, drawing: list[_Slot], shares: list[float]) -> float:
        """``until``, or earlier when a driver who leaves once the EV is full would leave before
        it (the EV reaching its target within the interval): the next visit of that EVSE must
        not start before the sweep gets there."""
        for slot, share in zip(drawing, shares, strict=True):
            job = slot.job
            assert job is not None
            margin = job.visit.leave_after_full_s
            if margin is None or at + margin >= until:
                continue  # even full now, the driver stays past ``until``
            full_at = slot.evse.full_at_if_charged(job.visit, at, until, share)
            if full_at is not None and at < job.end_if_full_at(full_at) < until:
                until = job.end_if_full_at(full_at)
        return until

    def _split(self, demands: list[float]) -> list[float]:
        """Water-filling of the cap, then what the demands leave over shared equally."""
        shares = water_fill(self._cap_w, demands)
        spare = (self._cap_w - sum(shares)) / len(shares) if shares else 0.0
        return [share + spare for share in shares]
