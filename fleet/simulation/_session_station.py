"""One station in the session model: its EVSEs' visits and the traffic the station core adds
on its own while a transaction runs — meter values every ``tx_updated_interval_s`` from its start
and at every clock-aligned tick — counted into a ``SessionTally``; what an outage does to them
(queued, replayed on reconnect) and the heartbeats are the connection's business
(``_session_delivery``). Each EVSE runs on its own, except under a dynamically shared site cap,
where the station's EVSEs charge side by side (``_shared_charging``).
"""

from __future__ import annotations

import bisect
import math
import random

from fleet.behaviour import FaultProcess, StationType, arrival_source, draw_station_streams
from fleet.simulation._session_delivery import Delivery, FleetSetting, OfflinePeriods
from fleet.simulation._session_evse import EvseSetting, Interval, SessionEvse, SessionTx
from fleet.simulation._session_records import (
    StationRecords,
    VisitRecord,
    turned_away_while_busy,
)
from fleet.simulation._session_tally import SessionTally, TallyTransaction
from fleet.simulation._shared_charging import SharedCharging


class _Collector:
    """The EvseSink of one station: what its EVSEs produced, before delivery."""

    def __init__(self, tally: SessionTally, site: str) -> None:
        self.messages: list[tuple[float, str]] = []
        self.transactions: list[SessionTx] = []
        self.visits: list[VisitRecord] = []
        self._tally = tally
        self._site = site
        self._charging_s = 0.0  # the current visit's charging time and energy so far
        self._energy_wh = 0.0

    @classmethod
    def merged(cls, tally: SessionTally, site: str, parts: list[_Collector]) -> _Collector:
        """One collector with what ``parts`` (one per EVSE) collected, in EVSE order."""
        whole = cls(tally, site)
        for part in parts:
            whole.messages += part.messages
            whole.transactions += part.transactions
            whole.visits += part.visits
        return whole

    def message(self, at: float, action: str) -> None:
        self.messages.append((at, action))

    def csms_call(self, outcome: str) -> None:
        self._tally.count_csms_call(outcome)

    def power(self, start: float, end: float, watts: float) -> None:
        self._tally.power(start, end, watts, self._site)
        if end > start and watts > 0.0:
            self._charging_s += end - start
            self._energy_wh += watts * (end - start) / 3600.0

    def visit(self, record: VisitRecord) -> None:
        record.charging_s, record.energy_wh = self._charging_s, self._energy_wh
        self._charging_s = self._energy_wh = 0.0
        self.visits.append(record)

    def transaction(self, tx: SessionTx) -> None:
        self.transactions.append(tx)


def fault_intervals(process: FaultProcess, horizon: float) -> list[Interval]:
    """The faults of ``process`` that begin before ``horizon``, in order."""
    intervals: list[Interval] = []
    while process.current is not None and process.current.start < horizon:
        intervals.append((process.current.start, process.current.end))
        process.advance(process.current.end)
    return intervals


class SessionStation:
    def __init__(
        self,
        station_id: str,
        station_type: StationType,
        seed: int,
        connect_at: float,
        phases: int,
        fleet: FleetSetting,
        shared_cap_w: float | None = None,
    ) -> None:
        """``shared_cap_w``: a power cap the EVSEs that charge share (dynamic load management;
        None: each EVSE charges up to its own limit)."""
        self.station_id = station_id
        self._shared_cap_w = shared_cap_w
        self._fleet = fleet
        self._site = station_type.name
        self._seed = seed
        profile = fleet.profile
        # the streams of fleet.behaviour.ProfileStation (no station core here: its seed goes unused)
        streams = draw_station_streams(random.Random(seed), station_type.evses)
        driver_rngs = streams.drivers
        faults = profile.faults
        outages = FaultProcess(faults.outages_per_station_day, faults.outage_duration_s, streams.outages, 0.0)
        connector_faults = [
            FaultProcess(
                faults.connector_faults_per_evse_day, faults.connector_fault_duration_s, fault_rng, 0.0
            )
            for fault_rng in streams.connector_faults
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
            fleet.epoch,
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
        per_evse = [_Collector(tally, self._site) for _ in self._evses]
        if self._shared_cap_w is None:
            for evse, sink in zip(self._evses, per_evse, strict=True):
                evse.run(sink)
        else:
            SharedCharging(self._shared_cap_w, list(zip(self._evses, per_evse, strict=True))).run()
        collected = _Collector.merged(tally, self._site, per_evse)
        fleet, evses = self._fleet, len(self._evses)
        turned_away = turned_away_while_busy(
            fleet.profile, fleet.epoch, self._seed, evses, collected.visits, fleet.horizon
        )
        tally.add_station(
            StationRecords(self.station_id, self._site, collected.visits + turned_away), len(self._evses)
        )
        delivery = Delivery(self.station_id, len(self._evses), self._offline, self._fleet, tally)
        delivery.connections()
        for at, action in collected.messages:
            if at < self._fleet.horizon and self._offline.online(at):
                delivery.land(at, action)
        for tx in collected.transactions:
            self._transaction(tx, tally, delivery)
        delivery.replays()
        delivery.heartbeats()

    def _transaction(self, tx: SessionTx, tally: SessionTally, delivery: Delivery) -> None:
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
        if self._fleet.samples_keep_busy:
            delivery.busy(tx.start, end)

    def _periodic(self, start: float, end: float, tally: SessionTally, delivery: Delivery) -> int:
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
        if not self._fleet.samples_keep_busy:
            for k in range(1, ticks + 1):
                if self._offline.online(start + k * period):
                    delivery.point(start + k * period)
        return offline

    def _aligned(self, start: float, end: float, tally: SessionTally, delivery: Delivery) -> int:
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
                if not self._fleet.samples_keep_busy:
                    for k in range(tick, run_end):
                        delivery.point(ticks[k])
            else:
                run_end = min(stop, bisect.bisect_left(ticks, offline_periods[index][1]))
                delivery.queue(offline_periods[index][1], run_end - tick)
                offline += run_end - tick
            tick = run_end
        return offline
