"""Measure a profile's sessions the way published charging data reports them, from the session
model of `fleet simulate` (fleet.simulation's SessionEvse: the same visits, batteries and faults
as `fleet run`), for the calibration tests.

Each EVSE of each station runs on its own (no outages: they change messages, not visits); a
session is a transaction that ended within the horizon, plugged in at the EVSE's last status
change before its start and out at the first one after its end.
"""

from __future__ import annotations

import bisect
import math
import random
import statistics
from dataclasses import dataclass, field

from fleet.behaviour import Profile, arrival_source, draw_station_streams, profile_fleet_plan, station_config
from fleet.simulation._config import DEFAULT_EPOCH
from fleet.simulation._fleets import profile_epoch
from fleet.simulation._session_evse import EvseSetting, SessionEvse, SessionTx

DAY_S = 86_400.0
HOUR_S = 3_600.0


@dataclass(frozen=True, slots=True)
class Session:
    plug_in: float  # seconds since the Unix epoch, local clock
    plug_out: float
    charging_s: float
    energy_kwh: float

    @property
    def dwell_h(self) -> float:
        return (self.plug_out - self.plug_in) / HOUR_S

    @property
    def hour(self) -> int:
        return math.floor((self.plug_in % DAY_S) / HOUR_S)

    @property
    def weekend(self) -> bool:
        return (math.floor(self.plug_in / DAY_S) + 3) % 7 >= 5  # 1970-01-01 was a Thursday


@dataclass(slots=True)
class _Sink:
    """An EvseSink that keeps what the measurement needs."""

    status_at: list[float] = field(default_factory=list)
    pieces: list[tuple[float, float, float]] = field(default_factory=list)
    transactions: list[SessionTx] = field(default_factory=list)

    def message(self, at: float, action: str) -> None:
        if action == "StatusNotification":
            self.status_at.append(at)

    def csms_call(self, outcome: str) -> None:
        pass

    def power(self, start: float, end: float, watts: float) -> None:
        self.pieces.append((start, end, watts))

    def transaction(self, tx: SessionTx) -> None:
        self.transactions.append(tx)

    def visit(self, record: object) -> None:
        pass


def sessions_of(profile: Profile, stations: int, days: float, seed: int = 21) -> list[Session]:
    """The ended sessions of ``stations`` stations over ``days`` days of the profile."""
    epoch = profile_epoch(profile, DEFAULT_EPOCH)
    local_offset = epoch + profile.utc_offset_h * HOUR_S
    types, seeds = profile_fleet_plan(profile, stations, seed)
    horizon = days * DAY_S
    sessions: list[Session] = []
    for kind, station_seed in zip(types, seeds, strict=True):
        streams = draw_station_streams(random.Random(station_seed), kind.evses)
        setting = EvseSetting(
            profile=profile,
            station_type=kind,
            phases=station_config("CAL", kind, epoch).phases,
            horizon=horizon,
            one_way_s=0.0,
            response_delay_s=0.0,
            online=lambda _at: True,
            epoch=epoch,
        )
        for evse_id, rng in enumerate(streams.drivers, start=1):
            sink = _Sink()
            arrivals = arrival_source(profile, epoch, random.Random(rng.getrandbits(64)))
            SessionEvse(evse_id, setting, rng, arrivals, []).run(sink)
            sessions.extend(_sessions(sink, local_offset))
    return sessions


def _sessions(sink: _Sink, local_offset: float) -> list[Session]:
    changes = sorted(sink.status_at)
    found = []
    for tx in sink.transactions:
        if tx.end is None:
            continue
        before = bisect.bisect_right(changes, tx.start) - 1
        after = bisect.bisect_left(changes, tx.end)
        if before < 0 or after >= len(changes):
            continue
        charging = sum(
            min(end, tx.end) - max(start, tx.start)
            for start, end, watts in sink.pieces
            if watts > 0.0 and start < tx.end and end > tx.start
        )
        found.append(
            Session(
                changes[before] + local_offset, changes[after] + local_offset, charging, tx.energy_wh / 1000.0
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Measured:
    weekday_arrival_peak_h: int
    weekend_arrival_peak_h: int | None
    weekend_arrival_mean_shift_h: float | None
    dwell_h_median: float
    dwell_h_mean: float
    dwell_h_by_arrival_hour: dict[int, float]
    energy_kwh_median: float
    energy_kwh_mean: float
    idle_share: float
    sessions: int


def measure(sessions: list[Session]) -> Measured:
    weekday = [s for s in sessions if not s.weekend]
    weekend = [s for s in sessions if s.weekend]
    by_hour: dict[int, list[float]] = {}
    for s in weekday:
        by_hour.setdefault(s.hour, []).append(s.dwell_h)
    connected = sum(s.plug_out - s.plug_in for s in sessions)
    charging = sum(s.charging_s for s in sessions)
    return Measured(
        weekday_arrival_peak_h=_peak_hour(weekday),
        weekend_arrival_peak_h=_peak_hour(weekend) if weekend else None,
        weekend_arrival_mean_shift_h=(
            statistics.fmean(s.hour + 0.5 for s in weekend) - statistics.fmean(s.hour + 0.5 for s in weekday)
            if weekend and weekday
            else None
        ),
        dwell_h_median=statistics.median(s.dwell_h for s in sessions),
        dwell_h_mean=statistics.fmean(s.dwell_h for s in sessions),
        dwell_h_by_arrival_hour={hour: statistics.median(d) for hour, d in by_hour.items() if len(d) >= 30},
        energy_kwh_median=statistics.median(s.energy_kwh for s in sessions),
        energy_kwh_mean=statistics.fmean(s.energy_kwh for s in sessions),
        idle_share=1.0 - charging / connected if connected > 0 else 0.0,
        sessions=len(sessions),
    )


def _peak_hour(sessions: list[Session]) -> int:
    counts = [0] * 24
    for s in sessions:
        counts[s.hour] += 1
    return counts.index(max(counts))


def hours_apart(a: float, b: float) -> float:
    """The distance of two clock hours around the day."""
    d = abs(a - b) % 24
    return min(d, 24 - d)
