"""The CSMS ledger, plus *when* things arrived: per-second and per-minute counts for the forecast.

The sessions report to it exactly as to the embedded server's ledger, so the forecast's totals
are the ledger's totals by construction. The simulation loop sets ``now`` before it hands frames
to a session (the sessions know ``now`` but the plain Ledger API does not carry it).

Everything here merges exactly (``merge``): counts add, energy is kept in integer mWh (a float
sum would depend on the order of the additions, so on how the stations were split into shards),
and concurrency is kept as timed changes whose peak is taken after the merge.
"""

from __future__ import annotations

from fleet.csms import Ledger, LedgerEntry, TransactionRecord
from fleet.ocpp import v201

_TRANSACTION_ACTIONS_16 = frozenset({"StartTransaction", "MeterValues", "StopTransaction"})


class TimedLedger(Ledger):
    def __init__(self, seconds: int) -> None:
        super().__init__()
        self.seconds = seconds
        self.minutes = -(-seconds // 60)
        self.now = 0.0  # the simulated time being processed; set by the loop
        self.second = 0  # int(now)
        # station-initiated messages per second, by action: the totals and the per-minute series
        # are derived from it (per_second, per_minute_by_action) when the forecast is built
        self.per_second_by_action: dict[str, list[int]] = {}
        self.offline_per_minute = [0] * self.minutes
        self.open_transactions = 0  # seen and not yet ended
        self.open_changes: list[tuple[float, int]] = []  # (time, +1 seen / -1 ended)
        self.delivered_mwh = 0  # sum over transactions of (latest - first) energy register
        # 1.6 transaction messages stored but not yet settled: (record key, seen before, ended
        # before, energy before); the 1.6 ledger updates the record after ``stored``
        self._unsettled16: list[tuple[str, bool, bool, float | None]] = []

    @property
    def delivered_wh(self) -> float:
        return self.delivered_mwh / 1000.0

    @property
    def peak_open_transactions(self) -> int:
        return peak_of(self.open_changes)

    @property
    def per_second(self) -> list[int]:
        """Every station-initiated message per second, for the peak and percentiles."""
        if not self.per_second_by_action:
            return [0] * self.seconds
        return [sum(counts) for counts in zip(*self.per_second_by_action.values(), strict=True)]

    @property
    def per_minute_by_action(self) -> dict[str, list[int]]:
        return {
            action: [sum(series[start : start + 60]) for start in range(0, self.seconds, 60)]
            for action, series in self.per_second_by_action.items()
        }

    def count_message(self, action: str) -> None:
        if self._unsettled16:
            self.settle()
        super().count_message(action)
        series = self.per_second_by_action.get(action)
        if series is None:
            series = self.per_second_by_action[action] = [0] * self.seconds
        series[self.second] += 1

    def transaction_event(self, station_id: str, event: v201.TransactionEventRequest) -> None:
        transaction_id = event.transaction_info.transaction_id
        before = self.transactions.get(transaction_id)
        was_ended = before is not None and before.ended
        energy_before = before.energy_wh if before is not None else None
        super().transaction_event(station_id, event)
        self._changed(self.transactions[transaction_id], before is not None, was_ended, energy_before)
        if event.offline is True:
            self.offline_per_minute[self.second // 60] += 1

    def stored(self, entry: LedgerEntry) -> None:
        super().stored(entry)
        if entry.action in _TRANSACTION_ACTIONS_16 and entry.transaction_id is not None:
            key = f"1.6:{entry.station}:{entry.transaction_id}"
            before = self.transactions.get(key)
            self._unsettled16.append(
                (
                    key,
                    before is not None,
                    before is not None and before.ended,
                    before.energy_wh if before is not None else None,
                )
            )

    def settle(self) -> None:
        """Count the 1.6 transaction messages stored since the last call (StartTransaction,
        MeterValues, StopTransaction) into the open transactions and the energy, as
        ``transaction_event`` counts a 2.0.1 TransactionEvent. The loop calls it after each burst."""
        for key, seen, was_ended, energy_before in self._unsettled16:
            self._changed(self.transactions[key], seen, was_ended, energy_before)
        self._unsettled16.clear()

    def _changed(
        self, record: TransactionRecord, seen: bool, was_ended: bool, energy_before: float | None
    ) -> None:
        """A message of ``record``'s transaction arrived (``seen`` before it or not, ended before it
        or not, the register it had): the open transactions and the energy move with it."""
        if not seen:
            self.open_transactions += 1
            self.open_changes.append((self.now, 1))
        if record.ended and not was_ended:
            self.open_transactions -= 1
            self.open_changes.append((self.now, -1))
        # the register counts over the station's life: a transaction's energy is how far it
        # moved since the first reading the CSMS saw (the ledger keeps the latest by timestamp,
        # so out-of-order replays never make this negative)
        if energy_before is not None and record.energy_wh is not None:
            self.delivered_mwh += round(record.energy_wh * 1000.0) - round(energy_before * 1000.0)

    def merge(self, other: TimedLedger) -> None:
        """Add the ledger of another shard (disjoint stations, same horizon) into this one."""
        for action, count in other.messages_by_action.items():
            self.messages_by_action[action] = self.messages_by_action.get(action, 0) + count
        for code, count in other.protocol_errors.items():
            self.protocol_errors[code] = self.protocol_errors.get(code, 0) + count
        self.stations_booted |= other.stations_booted
        self.transactions.update(other.transactions)
        _add_into(self.offline_per_minute, other.offline_per_minute)
        for action, series in other.per_second_by_action.items():
            _add_into(self.per_second_by_action.setdefault(action, [0] * self.seconds), series)
        self.open_transactions += other.open_transactions
        self.open_changes += other.open_changes
        self.delivered_mwh += other.delivered_mwh


def peak_of(changes: list[tuple[float, int]]) -> int:
    """The highest level reached by +1/-1 changes, counted after all changes of one instant:
    so the peak does not depend on the order of simultaneous changes at different stations."""
    level = peak = 0
    ordered = sorted(changes)
    for index, (at, delta) in enumerate(ordered):
        level += delta
        if level > peak and (index + 1 == len(ordered) or ordered[index + 1][0] != at):
            peak = level
    return peak


def _add_into(total: list[int], part: list[int]) -> None:
    for index, value in enumerate(part):
        if value:
            total[index] += value
