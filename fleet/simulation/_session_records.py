"""One record per driver in the session model: who came, when they plugged in and out, what the
transaction drew, and why a driver left without charging.

An EVSE's visits become records as the EVSE runs (``VisitRecord``); drivers who found every EVSE
of the station taken are found afterwards (``turned_away_while_busy``): the profile's arrival
rate per EVSE keeps running while an EVSE is occupied, on a random stream of its own (so the
visits themselves, and the frames model's agreement, do not change), and an arrival at a moment
when every EVSE of the station is occupied is a driver turned away.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

import msgspec

from fleet.behaviour import ArrivalSource, Profile, Visit, arrival_source

# charged: a transaction ran; no_start: the driver plugged in but no transaction started
# (token refused, app start not delivered, connector faulted meanwhile); token_refused: an app
# start the CSMS refused after the station had started; connector_faulted: the EVSE was faulted
# on arrival; all_evses_taken: every EVSE of the station was occupied on arrival
Outcome = Literal["charged", "no_start", "token_refused", "connector_faulted", "all_evses_taken"]
TURNED_AWAY: frozenset[str] = frozenset({"connector_faulted", "all_evses_taken"})


@dataclass(slots=True)
class VisitRecord:
    """One driver at one EVSE; times are seconds since the start of the simulation (None: did
    not happen, or after the horizon for the stop times). ``energy_wh`` and ``charging_s`` are
    what the EVSE delivered within the horizon."""

    evse_id: int
    arrival_s: float
    ev_model: str
    soc_in: float | None  # None: no EV drawn (turned away before anything else happened)
    outcome: Outcome = "charged"
    plug_in_s: float | None = None
    plug_out_s: float | None = None
    tx_start_s: float | None = None
    tx_stop_s: float | None = None
    soc_out: float | None = None
    energy_wh: float = 0.0
    charging_s: float = 0.0

    @classmethod
    def arrived(cls, evse_id: int, at: float, visit: Visit) -> VisitRecord:
        """The record of a driver who just arrived (SoC read before any charging)."""
        battery = visit.battery
        return cls(evse_id, at, battery.model.name, round(battery.soc_percent, 1))

    @property
    def turned_away(self) -> bool:
        return self.outcome in TURNED_AWAY

    @property
    def occupied_until(self) -> float | None:
        """When the EVSE is free again (the driver unplugged), None when they never plugged in."""
        return self.plug_out_s if self.plug_in_s is not None else None


@dataclass(frozen=True, slots=True)
class StationRecords:
    """The records of one station, with what names it."""

    station_id: str
    station_type: str
    visits: list[VisitRecord]


def busy_arrival_sources(profile: Profile, epoch: float, seed: int, evses: int) -> list[ArrivalSource | None]:
    """One arrival stream per EVSE for the drivers who come while it is occupied (independent of
    the visits' streams: a Poisson process restarted anywhere is still the same process). Only
    the profile's Poisson arrivals: a depot vehicle's scheduled return while its bay is taken is
    the same vehicle, not another driver."""
    if profile.arrivals is None:
        return [None] * evses
    poisson = msgspec.structs.replace(profile, scheduled_returns=[])
    return [
        arrival_source(poisson, epoch, random.Random(f"turned-away:{seed}:{evse_id}"))
        for evse_id in range(1, evses + 1)
    ]


def turned_away_while_busy(
    visits: list[VisitRecord], sources: list[ArrivalSource | None], horizon: float
) -> list[VisitRecord]:
    """The drivers who arrived at an occupied EVSE while every EVSE of the station was occupied."""
    occupied = [
        (visit.evse_id, visit.arrival_s, min(horizon, until))
        for visit in visits
        if (until := visit.occupied_until) is not None
    ]
    turned: list[VisitRecord] = []
    evses = len(sources)
    for evse_id, start, end in occupied:
        source = sources[evse_id - 1]
        if source is None:
            continue
        at = source.next_arrival(start)
        while at is not None and at < end:
            busy = {other for other, since, until in occupied if since <= at < until}
            if len(busy) == evses:
                turned.append(VisitRecord(evse_id, at, "", None, outcome="all_evses_taken"))
            at = source.next_arrival(at)
    return turned
