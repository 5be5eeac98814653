"""What the CSMS receives in the session model, counted without a message object per message.

One-off messages are counted where they land (the second the CSMS receives them). The bulk of a
day's traffic is regular: a transaction's periodic meter values are one arithmetic progression
(``count_periodic``: O(1) per transaction in a strided difference array, expanded once at the
end), clock-aligned ones fall on the same ticks for every station (``count_aligned``), and the
energy of a constant-power segment spreads over minutes through a difference array too, per
site type (``SiteTally``, with occupancy and every driver's record).
Everything is integers (energy in mJ), so shards merge exactly, in any order.

``to_outcome`` turns the tally into the ``SimulationOutcome`` the frames model produces, so both
models share one forecast builder, one JSON layout and one plot.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleet.csms import TransactionRecord
from fleet.simulation._ledger import TimedLedger
from fleet.simulation._outcome import SimulationOutcome
from fleet.simulation._session_records import StationRecords
from fleet.simulation._site_tally import SiteTally
from fleet.simulation._station_stats import StationStats

_MJ_PER_MWH = 3600  # 1 mWh = 3.6 J = 3,600 mJ


@dataclass(frozen=True, slots=True)
class TallyTransaction:
    transaction_id: str
    station_id: str
    evse_id: int
    ended: bool
    offline_messages: int
    energy_mwh: int


class SessionTally:
    def __init__(self, seconds: int, aligned_seconds: list[int], keep_records: bool = True) -> None:
        self.seconds = seconds
        self.minutes = -(-seconds // 60)
        self.counts: dict[str, list[int]] = {}  # action -> messages received per second
        # period -> strided difference array of periodic TransactionEvents (see count_periodic)
        self._periodic: dict[int, list[int]] = {}
        # the second each clock-aligned tick lands in; a difference array over tick numbers
        self._aligned_seconds = aligned_seconds
        self._aligned_diff = [0] * (len(aligned_seconds) + 1)
        self.offline_per_minute = [0] * self.minutes
        self.open_changes: list[tuple[float, int]] = []
        self.connected_changes: list[tuple[float, int]] = []
        # energy, occupancy, and every driver's record unless ``keep_records`` is False
        self.sites = SiteTally(self.minutes, float(seconds), keep_records)
        self.transactions: list[TallyTransaction] = []
        self.stations_booted: set[str] = set()
        self.csms_outcomes: dict[str, int] = {}

    # --- counting -------------------------------------------------------------------------------

    def count(self, action: str, second: int, count: int = 1) -> None:
        series = self.counts.get(action)
        if series is None:
            series = self.counts[action] = [0] * self.seconds
        series[second] += count

    def count_periodic(self, first_second: int, period: int, count: int) -> None:
        """``count`` TransactionEvents in seconds first, first + period, ... (period an integer:
        a tick at t0 + k*period lands in second int(t0) + k*period)."""
        if count <= 0:
            return
        diff = self._periodic.get(period)
        if diff is None:
            diff = self._periodic[period] = [0] * (self.seconds + period)
        diff[first_second] += 1
        stop = first_second + count * period
        if stop < len(diff):
            diff[stop] -= 1

    def count_aligned(self, first_tick: int, count: int) -> None:
        if count > 0:
            self._aligned_diff[first_tick] += 1
            self._aligned_diff[first_tick + count] -= 1

    def count_offline(self, second: int, count: int = 1) -> None:
        self.offline_per_minute[second // 60] += count

    def power(self, start: float, end: float, watts: float, site: str) -> None:
        """``watts`` drawn by an EVSE of a ``site`` station over [start, end) (clipped to the horizon)."""
        self.sites.power(start, min(end, float(self.seconds)), watts, site)

    def add_station(self, station: StationRecords, evses: int) -> None:
        """A station's driver records, once it has run."""
        self.sites.add_station(station, evses)

    def count_csms_call(self, outcome: str) -> None:
        self.csms_outcomes[outcome] = self.csms_outcomes.get(outcome, 0) + 1

    # --- the outcome ----------------------------------------------------------------------------

    def transaction_events_per_second(self) -> list[int]:
        events = list(self.counts.get("TransactionEvent", [0] * self.seconds))
        for period, diff in self._periodic.items():
            expanded = diff[: self.seconds]
            for second in range(period, self.seconds):
                expanded[second] += expanded[second - period]
            for second, count in enumerate(expanded):
                if count:
                    events[second] += count
        level = 0
        for tick, second in enumerate(self._aligned_seconds):
            level += self._aligned_diff[tick]
            if level and second < self.seconds:
                events[second] += level
        return events

    def to_outcome(self) -> SimulationOutcome:
        ledger = TimedLedger(self.seconds)
        by_second = dict(self.counts)
        if "TransactionEvent" in by_second or self._periodic or any(self._aligned_diff):
            by_second["TransactionEvent"] = self.transaction_events_per_second()
        for action, series in sorted(by_second.items()):
            total = sum(series)
            if total == 0:
                continue
            ledger.messages_by_action[action] = total
            ledger.per_second_by_action[action] = series
        ledger.offline_per_minute = list(self.offline_per_minute)
        ledger.stations_booted = set(self.stations_booted)
        ledger.open_changes = list(self.open_changes)
        ledger.open_transactions = sum(delta for _, delta in self.open_changes)
        stats = StationStats()
        for tx in self.transactions:
            ledger.transactions[tx.transaction_id] = TransactionRecord(
                transaction_id=tx.transaction_id,
                station_id=tx.station_id,
                evse_id=tx.evse_id,
                started=True,
                ended=tx.ended,
                offline_messages=tx.offline_messages,
                energy_wh=tx.energy_mwh / 1000.0,
                first_energy_wh=0.0,
            )
            stats.transactions_started += 1
            if tx.ended:
                stats.transactions_ended += 1
                stats.ended_energy_parts_wh.append(tx.energy_mwh / 1000.0)
        energy = self.sites.energy_per_minute_mj()
        ledger.delivered_mwh = round(sum(energy) / _MJ_PER_MWH)
        cumulative, energy_series = 0, []
        for minute_mj in energy:
            cumulative += minute_mj
            energy_series.append(round(cumulative / _MJ_PER_MWH))
        return SimulationOutcome(
            ledger=ledger,
            stats=stats,
            connected_series=_levels_at_minute_ends(self.connected_changes, self.minutes),
            open_transactions_series=_levels_at_minute_ends(self.open_changes, self.minutes),
            energy_series_mwh=energy_series,
            connected_changes=list(self.connected_changes),
            csms_outcomes=dict(self.csms_outcomes),
            station_protocol_errors=0,
            sites=self.sites.outcome(),
        )


def _levels_at_minute_ends(changes: list[tuple[float, int]], minutes: int) -> list[int]:
    """The level after every change before the end of each minute (as the frames model samples)."""
    levels, level, index = [], 0, 0
    ordered = sorted(changes)
    for minute in range(minutes):
        end = (minute + 1) * 60.0
        while index < len(ordered) and ordered[index][0] < end:
            level += ordered[index][1]
            index += 1
        levels.append(level)
    return levels
