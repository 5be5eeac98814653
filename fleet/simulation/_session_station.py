"""One station in the session model: its EVSEs' visits, its connection (boot, outages) and the
traffic the station core adds on its own — periodic and clock-aligned meter values, heartbeats,
offline queueing and replay — counted into a ``SessionTally``.

The connection rules mirror the station core and the frames model's shell: the station connects
at its ramp time (or when an outage then in force ends) and boots: BootNotification, then a
StatusNotification per EVSE, one CALL in flight at a time (a round trip apart). An outage drops
the connection at its start; on reconnecting the station sends a StatusNotification per EVSE
and replays its queued TransactionEvents (flagged offline), a round trip apart. Offline, status
changes are not queued (the snapshot supersedes them). A transaction's meter values come every
``tx_updated_interval_s`` from its start and at every clock-aligned tick while it runs. A
heartbeat goes out after ``heartbeat_interval`` without an exchange (CALL sent or answered),
so a transaction whose meter values come at least that often keeps heartbeats away.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

from fleet.behaviour import FaultProcess, Profile, StationType, arrival_source
from fleet.simulation._session_evse import EvseSetting, Interval, SessionEvse, SessionTx
from fleet.simulation._session_tally import SessionTally, TallyTransaction


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

    @property
    def round_trip_s(self) -> float:
        return 2.0 * self.one_way_s + self.response_delay_s


class _Collector:
    """The EvseSink of one station: what its EVSEs produced, before delivery."""

    def __init__(self, tally: SessionTally) -> None:
        self.messages: list[tuple[float, str]] = []
        self.transactions: list[SessionTx] = []
        self._tally = tally

    def message(self, at: float, action: str) -> None:
        self.messages.append((at, action))

    def csms_call(self, outcome: str) -> None:
        self._tally.count_csms_call(outcome)

    def power(self, start: float, end: float, watts: float) -> None:
        self._tally.power(start, end, watts)

    def transaction(self, tx: SessionTx) -> None:
        self.transactions.append(tx)


def fault_intervals(process: FaultProcess, horizon: float) -> list[Interval]:
    """The faults of ``process`` that begin before ``horizon``, in order."""
    intervals: list[Interval] = []
    while process.current is not None and process.current.start < horizon:
        intervals.append((process.current.start, process.current.end))
        process.advance(process.current.end)
    return intervals


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


class SessionStation:
    def __init__(
        self,
        station_id: str,
        station_type: StationType,
        seed: int,
        connect_at: float,
        phases: int,
        fleet: FleetSetting,
    ) -> None:
        self.station_id = station_id
        self._fleet = fleet
        profile = fleet.profile
        # the streams of fleet.behaviour.ProfileStation, drawn in its order
        rng = random.Random(seed)
        rng.getrandbits(64)  # the station core's stream: no station core here
        driver_rngs = [random.Random(rng.getrandbits(64)) for _ in range(station_type.evses)]
        faults = profile.faults
        outages = FaultProcess(
            faults.outages_per_station_day, faults.outage_duration_s, random.Random(rng.getrandbits(64)), 0.0
        )
        connector_faults = [
            FaultProcess(
                faults.connector_faults_per_evse_day,
                faults.connector_fault_duration_s,
                random.Random(rng.getrandbits(64)),
                0.0,
            )
            for _ in driver_rngs
        ]
        horizon = fleet.horizon
        before_connect = [(0.0, connect_at)] if connect_at > 0 else []
        self._offline = OfflinePeriods(before_connect + fault_intervals(outages, horizon))
        setting = EvseSetting(
            profile,
            station_type,
            phases,
            horizon,
            fleet.one_way_s,
            fleet.response_delay_s,
            self._offline.online,
        )
        self._evses = [
            SessionEvse(
                evse_id,
                setting,
                driver_rng,
                arrival_source(profile, fleet.epoch, random.Random(driver_rng.getrandbits(64))),
                fault_intervals(connector_faults[evse_id - 1], horizon),
            )
            for evse_id, driver_rng in enumerate(driver_rngs, start=1)
        ]

    # --- running --------------------------------------------------------------------------------

    def run(self, tally: SessionTally) -> None:
        collected = _Collector(tally)
        for evse in self._evses:
            evse.run(collected)
        delivery = _Delivery(self.station_id, len(self._evses), self._offline, self._fleet, tally)
        delivery.connections()
        for at, action in collected.messages:
            if at < self._fleet.horizon and self._offline.online(at):
                delivery.land(at, action)
        for tx in collected.transactions:
            self._transaction(tx, tally, delivery)
        delivery.replays()
        delivery.heartbeats()

    def _transaction(self, tx: SessionTx, tally: SessionTally, delivery: _Delivery) -> None:
        fleet = self._fleet
        end = tx.end if tx.end is not None else fleet.horizon
        offline = 0
        received: list[float] = []
        for at in [tx.start, *tx.updates] + ([tx.end] if tx.end is not None else []):
            at_csms = delivery.transaction_event(at)
            if at_csms is None:
                continue
            offline += at_csms[1]
            received.append(at_csms[0])
        if not received or received[0] >= fleet.horizon:
            return  # the CSMS never heard of it within the horizon
        offline += self._periodic(tx.start, end, tally, delivery)
        offline += self._aligned(tx.start, end, tally, delivery)
        ended = tx.end is not None and received[-1] < fleet.horizon and len(received) == 2 + len(tx.updates)
        tally.open_changes.append((received[0], 1))
        if ended:
            tally.open_changes.append((received[-1], -1))
        tally.transactions.append(
            TallyTransaction(
                transaction_id=f"{self.station_id}-{tx.evse_id}-{tx.start:.3f}",
                station_id=self.station_id,
                evse_id=tx.evse_id,
                ended=ended,
                offline_messages=offline,
                energy_mwh=round(tx.energy_wh * 1000.0),
            )
        )
        if self._samples_keep_busy():
            delivery.busy(tx.start, end)

    def _samples_keep_busy(self) -> bool:
        ocpp = self._fleet.profile.ocpp
        periods = [p for p in (ocpp.tx_updated_interval_s, ocpp.aligned_data_interval_s) if p > 0]
        return bool(periods) and min(periods) <= self._fleet.heartbeat_s

    def _periodic(self, start: float, end: float, tally: SessionTally, delivery: _Delivery) -> int:
        """Meter values at start + k * period (k >= 1) before ``end``; returns how many went offline."""
        period = self._fleet.profile.ocpp.tx_updated_interval_s
        if period <= 0:
            return 0
        ticks = max(0, math.ceil((end - start) / period) - 1)
        first_second = int(start + self._fleet.one_way_s)
        offline = 0
        online_from = 1
        for off_start, off_end in self._offline.intervals:
            if off_end <= start:
                continue
            if off_start >= end or online_from > ticks:
                break
            low = max(online_from, math.ceil((off_start - start) / period))
            high = min(ticks, math.ceil((off_end - start) / period) - 1)
            if high < low:
                continue
            tally.count_periodic(first_second + online_from * period, period, low - online_from)
            delivery.queue(off_end, high - low + 1)
            offline += high - low + 1
            online_from = high + 1
        tally.count_periodic(first_second + online_from * period, period, ticks - online_from + 1)
        if not self._samples_keep_busy():
            for k in range(1, ticks + 1):
                if self._offline.online(start + k * period):
                    delivery.point(start + k * period)
        return offline

    def _aligned(self, start: float, end: float, tally: SessionTally, delivery: _Delivery) -> int:
        """Clock-aligned meter values while the transaction runs; returns how many went offline."""
        ticks = self._fleet.aligned_ticks
        tick, stop = bisect.bisect_right(ticks, start), bisect.bisect_left(ticks, end)
        offline = 0
        while tick < stop:
            offline_periods = self._offline.intervals
            index = self._offline.index_at(ticks[tick])
            if index is None:
                run_end = stop
                next_offline = self._offline.next_after(ticks[tick])
                if next_offline < len(offline_periods):
                    run_end = min(stop, bisect.bisect_left(ticks, offline_periods[next_offline][0]))
                tally.count_aligned(tick, run_end - tick)
                if not self._samples_keep_busy():
                    for k in range(tick, run_end):
                        delivery.point(ticks[k])
            else:
                run_end = min(stop, bisect.bisect_left(ticks, offline_periods[index][1]))
                delivery.queue(offline_periods[index][1], run_end - tick)
                offline += run_end - tick
            tick = run_end
        return offline


class _Delivery:
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
