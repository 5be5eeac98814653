"""One record per driver in the session model: who came, when they plugged in and out, what the
transaction drew, and why a driver left without charging.

An EVSE's visits become records as the EVSE runs (``VisitRecord``); drivers who found every EVSE
of the station taken are found afterwards (``turned_away_while_busy``): the station's arrivals
(its EVSEs' rates summed) are drawn within the periods when every EVSE was taken, on a random
stream of their own (so the visits themselves, and the frames model's agreement, do not change).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

import msgspec

from fleet.behaviour import Profile, Visit, arrival_source, with_rate_multiplier

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


def turned_away_while_busy(
    profile: Profile, epoch: float, seed: int, evses: int, visits: list[VisitRecord], horizon: float
) -> list[VisitRecord]:
    """The drivers who came while every EVSE of the station was taken (``evse_id`` 0: none was
    free). The station's arrivals are the sum of its EVSEs' (the rate times ``evses``), drawn on
    a stream of their own only within the periods when every EVSE was taken. Only the profile's
    Poisson arrivals count: a depot vehicle's scheduled return while its bay is taken is the
    same vehicle, not another driver."""
    if profile.arrivals is None:
        return []
    periods = every_evse_taken(visits, evses, horizon)
    source = (
        arrival_source(_station_arrivals(profile, evses), epoch, random.Random(seed ^ _TURNED_AWAY_STREAM))
        if periods
        else None
    )
    if source is None:
        return []
    turned: list[VisitRecord] = []
    for start, end in periods:
        at = source.next_arrival(start)
        while at is not None and at < end:
            turned.append(VisitRecord(0, at, "", None, outcome="all_evses_taken"))
            at = source.next_arrival(at)
    return turned


def every_evse_taken(visits: list[VisitRecord], evses: int, horizon: float) -> list[tuple[float, float]]:
    """The periods within the horizon when all ``evses`` EVSEs had a driver (arrival to unplug)."""
    changes: list[tuple[float, int]] = []
    for visit in visits:
        until = visit.occupied_until
        if until is not None and visit.arrival_s < horizon:
            changes += [(visit.arrival_s, 1), (min(until, horizon), -1)]
    changes.sort()  # at equal times the -1 (a driver leaving) comes first
    periods: list[tuple[float, float]] = []
    level, since = 0, 0.0
    for at, step in changes:
        level += step
        if step > 0 and level == evses:
            since = at
            if periods and periods[-1][1] == at:  # the EVSE freed at ``at`` is taken again at once
                since = periods.pop()[0]
        elif step < 0 and level == evses - 1 and at > since:
            periods.append((since, at))
    return periods


_TURNED_AWAY_STREAM = 0x7A_11ED_A3A7  # XORed into the station's seed: a stream no other draw uses
_SCALED: dict[tuple[int, int], tuple[Profile, Profile]] = {}  # (id(profile), evses) -> (profile, scaled)


def _station_arrivals(profile: Profile, evses: int) -> Profile:
    """The profile with a whole station's arrival rate (its EVSEs' summed) and no schedules."""
    cached = _SCALED.get((id(profile), evses))
    if cached is not None and cached[0] is profile:
        return cached[1]
    scaled = msgspec.structs.replace(with_rate_multiplier(profile, float(evses)), scheduled_returns=[])
    _SCALED[(id(profile), evses)] = (profile, scaled)
    return scaled
