"""A station's connection in the session model: when it is online, what reaches the CSMS when,
and the heartbeats that fill its silences.

The rules mirror the station core and the frames model's shell: the station connects at its ramp
time (or when an outage then in force ends) and boots: BootNotification, then a
StatusNotification per EVSE, one CALL in flight at a time (a round trip apart). An outage drops
the connection at its start; on reconnecting the station sends a StatusNotification per EVSE and
replays its queued TransactionEvents (flagged offline), a round trip apart. Offline, status
changes are not queued (the snapshot supersedes them). A heartbeat goes out after
``heartbeat_interval`` without an exchange (CALL sent or answered), so a transaction whose meter
values come at least that often keeps heartbeats away.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from fleet.behaviour import Profile
from fleet.simulation._session_evse import Interval
from fleet.simulation._session_tally import SessionTally


@dataclass(frozen=True, slots=True)
class FleetSetting:
    """What every station of a session-model run shares."""

    profile: Profile
    epoch: float
    horizon: float
    one_way_s: float
    response_delay_s: float
    heartbeat_s: float
    aligned_ticks: list[float]  # clock-aligned sampling times within the horizon, ascending
    # a running transaction's meter values come at least once per heartbeat interval, so it keeps
    # its station from heartbeating (derived from the above once, not per transaction)
    samples_keep_busy: bool = field(init=False)

    def __post_init__(self) -> None:
        ocpp = self.profile.ocpp
        periods = [p for p in (ocpp.tx_updated_interval_s, ocpp.aligned_data_interval_s) if p > 0]
        object.__setattr__(self, "samples_keep_busy", bool(periods) and min(periods) <= self.heartbeat_s)

    @property
    def round_trip_s(self) -> float:
        return 2.0 * self.one_way_s + self.response_delay_s


def _merged(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class OfflinePeriods:
    """When a station has no connection: before it first connects, and its outages (merged)."""

    def __init__(self, intervals: list[Interval]) -> None:
        self.intervals = _merged(intervals)
        self.starts = [start for start, _ in self.intervals]

    def index_at(self, at: float) -> int | None:
        """The offline interval ``at`` falls in, or None when online then."""
        index = bisect.bisect_right(self.starts, at) - 1
        if index >= 0 and at < self.intervals[index][1]:
            return index
        return None

    def online(self, at: float) -> bool:
        return self.index_at(at) is None

    def next_after(self, at: float) -> int:
        """The index of the first offline interval starting after ``at`` (may be past the end)."""
        return bisect.bisect_right(self.starts, at)


class Delivery:
    """A station's connection: what reaches the CSMS when, and the heartbeats in the silences."""

    def __init__(
        self, station_id: str, evses: int, offline: OfflinePeriods, fleet: FleetSetting, tally: SessionTally
    ) -> None:
        self._station_id = station_id
        self._evses = evses
        self._offline = offline
        self._tally = tally
        self._fleet = fleet
        self._one_way = fleet.one_way_s
        self._rtt = fleet.round_trip_s
        horizon = fleet.horizon
        # online windows: the complement of the offline intervals within [0, horizon)
        self.windows: list[Interval] = []
        at = 0.0
        for start, end in offline.intervals:
            if start > at:
                self.windows.append((at, min(start, horizon)))
            at = max(at, end)
        if at < horizon:
            self.windows.append((at, horizon))
        self._window_starts = [start for start, _ in self.windows]
        self._queued = [0] * len(self.windows)  # TransactionEvents replayed at each window's start
        self._replay_from = [0.0] * len(self.windows)
        self._activity: list[Interval] = []  # exchanges (points and busy spans), for heartbeats

    def land(self, at: float, action: str) -> None:
        """A message sent online at ``at``."""
        second = int(at + self._one_way)
        if second < self._tally.seconds:
            self._tally.count(action, second)
        self._activity.append((at, at))

    def point(self, at: float) -> None:
        self._activity.append((at, at))

    def busy(self, start: float, end: float) -> None:
        """Exchanges all through [start, end] (meter values more often than heartbeats), cut at
        the outages."""
        for window_start, window_end in self.windows:
            if window_end > start and window_start < end:
                self._activity.append((max(start, window_start), min(end, window_end)))

    def connections(self) -> None:
        evses = self._evses
        rtt = self._rtt
        tally = self._tally
        for number, (start, end) in enumerate(self.windows):
            first = 0
            if number == 0:
                self.land(start, "BootNotification")
                tally.stations_booted.add(self._station_id)
                first = 1
            for k in range(evses):
                self.land(start + (first + k) * rtt, "StatusNotification")
            self._replay_from[number] = start + (first + evses) * rtt
            tally.connected_changes.append((start, 1))
            if end < self._fleet.horizon:
                tally.connected_changes.append((end, -1))

    def _window_after(self, offline_end: float) -> int | None:
        index = bisect.bisect_left(self._window_starts, offline_end)
        return index if index < len(self.windows) else None

    def queue(self, offline_end: float, count: int) -> None:
        """``count`` TransactionEvents queued offline until ``offline_end``."""
        window = self._window_after(offline_end)
        if window is not None:
            self._queued[window] += count

    def transaction_event(self, at: float) -> tuple[float, int] | None:
        """(when the CSMS gets it, 1 if it was queued offline) for one TransactionEvent sent at
        ``at``, or None past the horizon."""
        if at >= self._fleet.horizon:
            return None
        index = self._offline.index_at(at)
        if index is None:
            self.land(at, "TransactionEvent")
            return at + self._one_way, 0
        window = self._window_after(self._offline.intervals[index][1])
        if window is None:
            return None
        self._queued[window] += 1
        return self._replay_from[window] + self._one_way, 1

    def replays(self) -> None:
        tally, rtt = self._tally, self._rtt
        for window, count in enumerate(self._queued):
            if not count:
                continue
            start = self._replay_from[window]
            for k in range(count):
                second = int(start + k * rtt + self._one_way)
                if second >= tally.seconds:
                    break
                tally.count("TransactionEvent", second)
                tally.count_offline(second)
            self._activity.append((start, start + (count - 1) * rtt))

    def heartbeats(self) -> None:
        period = self._fleet.heartbeat_s + self._rtt
        activity = sorted(self._activity)
        tally = self._tally
        index = 0
        for start, end in self.windows:
            last = start
            while True:
                while index < len(activity) and activity[index][0] < start:
                    index += 1
                quiet_until = end
                if index < len(activity) and activity[index][0] < end:
                    quiet_until = activity[index][0]
                beat = last + period
                while beat < quiet_until:
                    second = int(beat + self._one_way)
                    if second < tally.seconds:
                        tally.count("Heartbeat", second)
                    beat += period
                if quiet_until >= end:
                    break
                last = max(last, activity[index][1])
                index += 1
