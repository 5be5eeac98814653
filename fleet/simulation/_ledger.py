"""The CSMS ledger, plus *when* things arrived: per-second and per-minute counts for the forecast.

The sessions report to it exactly as to the embedded server's ledger, so the forecast's totals
are the ledger's totals by construction. The simulation loop sets ``second`` before it hands
frames to a session (the sessions know ``now`` but the plain Ledger API does not carry it).
"""

from __future__ import annotations

from fleet.csms import Ledger
from fleet.ocpp import v201


class TimedLedger(Ledger):
    def __init__(self, seconds: int) -> None:
        super().__init__()
        self.seconds = seconds
        self.minutes = -(-seconds // 60)
        self.second = 0  # the simulated second being processed; set by the loop
        self.per_second = [0] * seconds  # every station-initiated message, for peak and percentiles
        self.per_minute_by_action: dict[str, list[int]] = {}
        self.offline_per_minute = [0] * self.minutes
        self.open_transactions = 0  # seen and not yet ended
        self.peak_open_transactions = 0
        self.delivered_wh = 0.0  # sum over transactions of (latest - first) energy register

    def count_message(self, action: str) -> None:
        super().count_message(action)
        second = self.second
        self.per_second[second] += 1
        series = self.per_minute_by_action.get(action)
        if series is None:
            series = self.per_minute_by_action[action] = [0] * self.minutes
        series[second // 60] += 1

    def transaction_event(self, station_id: str, event: v201.TransactionEventRequest) -> None:
        transaction_id = event.transaction_info.transaction_id
        before = self.transactions.get(transaction_id)
        was_ended = before is not None and before.ended
        energy_before = before.energy_wh if before is not None else None
        super().transaction_event(station_id, event)
        record = self.transactions[transaction_id]
        if before is None:
            self.open_transactions += 1
            if self.open_transactions > self.peak_open_transactions:
                self.peak_open_transactions = self.open_transactions
        if record.ended and not was_ended:
            self.open_transactions -= 1
        # the register counts over the station's life: a transaction's energy is how far it
        # moved since the first reading the CSMS saw (the ledger keeps the latest by timestamp,
        # so out-of-order replays never make this negative)
        if energy_before is not None and record.energy_wh is not None:
            self.delivered_wh += record.energy_wh - energy_before
        if event.offline is True:
            self.offline_per_minute[self.second // 60] += 1
