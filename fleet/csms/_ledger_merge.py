"""Merge the ledgers of several CSMS worker processes into one, exactly.

A station that reconnects may land on another worker (SO_REUSEPORT hashes each new connection),
so one transaction's events can be split over two ledgers: transactions are merged record by
record (seqNos united, duplicates across ledgers counted), not by adding up summaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from fleet.csms._ledger import Ledger, TransactionRecord


def merge_ledgers(ledgers: Iterable[Ledger]) -> Ledger:
    """A new ledger holding everything the given ones received (they are left unchanged)."""
    merged = Ledger()
    for ledger in ledgers:
        _add_counts(merged.messages_by_action, ledger.messages_by_action)
        _add_counts(merged.protocol_errors, ledger.protocol_errors)
        _add_counts(merged.stored_by_action, ledger.stored_by_action)
        merged.stations_booted |= ledger.stations_booted
        for transaction_id, record in ledger.transactions.items():
            mine = merged.transactions.get(transaction_id)
            if mine is None:
                merged.transactions[transaction_id] = replace(record, seq_nos=set(record.seq_nos))
            else:
                _merge_record(mine, record)
    return merged


def _merge_record(into: TransactionRecord, other: TransactionRecord) -> None:
    into.duplicates += other.duplicates + len(into.seq_nos & other.seq_nos)
    into.seq_nos |= other.seq_nos
    into.max_seq_no = max(into.max_seq_no, other.max_seq_no)
    into.evse_id = into.evse_id if into.evse_id is not None else other.evse_id
    into.started = into.started or other.started
    into.ended = into.ended or other.ended
    into.offline_messages += other.offline_messages
    into.out_of_order += other.out_of_order  # within each ledger: arrival order across workers is unknown
    into.meter_values += other.meter_values
    # as in the ledger itself: the latest reading by timestamp, and the earliest
    if other.energy_at is not None and (into.energy_at is None or other.energy_at >= into.energy_at):
        into.energy_wh, into.energy_at = other.energy_wh, other.energy_at
    if other.first_energy_at is not None and (
        into.first_energy_at is None or other.first_energy_at < into.first_energy_at
    ):
        into.first_energy_wh, into.first_energy_at = other.first_energy_wh, other.first_energy_at


def _add_counts(into: dict[str, int], other: dict[str, int]) -> None:
    for key, n in other.items():
        into[key] = into.get(key, 0) + n
