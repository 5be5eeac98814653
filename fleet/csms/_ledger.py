"""What the CSMS received: the ground truth a load run is checked against.

One ledger is shared by every session of a server (trio runs them on one thread, so no locks).
It keeps counters and one small record per transaction; nothing per message beyond that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from fleet.csms._ledger_journal import LedgerEntry, LedgerJournal
from fleet.ocpp import v201

# OCPP 2.0.1 SampledValue: a missing measurand means Energy.Active.Import.Register.
_ENERGY_REGISTER = "Energy.Active.Import.Register"
_WH_PER_UNIT = {"Wh": 1.0, "kWh": 1000.0}


@dataclass(slots=True)
class TransactionRecord:
    """One transaction as seen through its TransactionEvent messages.

    seqNo starts at 0 for the first event of a transaction and grows by one per event, so
    once the transaction has ended every number in 0..max_seq_no should have arrived exactly once.
    """

    transaction_id: str
    station_id: str
    evse_id: int | None = None
    seq_nos: set[int] = field(default_factory=set)
    max_seq_no: int = -1
    duplicates: int = 0
    out_of_order: int = 0  # events with a seqNo below one already received (not duplicates)
    started: bool = False
    ended: bool = False
    offline_messages: int = 0
    energy_wh: float | None = None  # the latest Energy.Active.Import.Register reading
    energy_at: datetime | None = None
    first_energy_wh: float | None = None  # the earliest reading (the register at the start)
    first_energy_at: datetime | None = None
    ocpp_version: str = "2.0.1"
    meter_values: int = 0  # 1.6 MeterValues messages naming this transaction
    id_token: str | None = None  # the latest idToken (1.6 idTag) the transaction's messages named

    @property
    def delivered_wh(self) -> float:
        """Energy through the EVSE during the transaction: registers count for the EVSE's
        lifetime, so delivered energy is the latest reading less the earliest."""
        if self.energy_wh is None or self.first_energy_wh is None:
            return 0.0
        return max(0.0, self.energy_wh - self.first_energy_wh)

    @property
    def missing_seq_nos(self) -> int:
        """seqNos in 0..max_seq_no that never arrived (meaningful once ``ended``)."""
        if self.max_seq_no < 0:
            return 0
        received = sum(1 for seq_no in self.seq_nos if seq_no >= 0)
        return self.max_seq_no + 1 - received


class Ledger:
    """Counts per action, boots, protocol errors, and a record per transaction id."""

    def __init__(self, journal_path: str | None = None) -> None:
        self.messages_by_action: dict[str, int] = {}
        self.protocol_errors: dict[str, int] = {}
        self.stations_booted: set[str] = set()
        self.transactions: dict[str, TransactionRecord] = {}
        # transaction messages stored, per action, every copy (what loss accounting compares)
        self.stored_by_action: dict[str, int] = {}
        # one line per stored transaction message (``fleet csms --ledger-out``); None: no file
        self.journal = LedgerJournal(journal_path) if journal_path else None

    def stored(self, entry: LedgerEntry) -> None:
        """A transaction message was stored: counted, and written to the journal if there is one."""
        self.stored_by_action[entry.action] = self.stored_by_action.get(entry.action, 0) + 1
        if self.journal is not None:
            self.journal.write(entry)

    def count_message(self, action: str) -> None:
        self.messages_by_action[action] = self.messages_by_action.get(action, 0) + 1

    def count_protocol_error(self, code: str) -> None:
        code = str(code)  # an ErrorCode member becomes its plain value, so the summary is plain JSON
        self.protocol_errors[code] = self.protocol_errors.get(code, 0) + 1

    def station_booted(self, station_id: str) -> None:
        self.stations_booted.add(station_id)

    def transaction_event(self, station_id: str, event: v201.TransactionEventRequest) -> None:
        transaction_id = event.transaction_info.transaction_id
        record = self.transactions.get(transaction_id)
        if record is None:
            record = self.transactions[transaction_id] = TransactionRecord(transaction_id, station_id)
        seq_no = event.seq_no
        self.stored(
            LedgerEntry(
                station_id, "TransactionEvent", transaction_id, event.timestamp, seq_no, event.event_type
            )
        )
        if seq_no in record.seq_nos:
            record.duplicates += 1
        else:
            record.out_of_order += seq_no < record.max_seq_no
            record.seq_nos.add(seq_no)
            if seq_no > record.max_seq_no:
                record.max_seq_no = seq_no
        if event.evse is not msgspec.UNSET:
            record.evse_id = event.evse.id
        if event.id_token is not msgspec.UNSET:
            record.id_token = event.id_token.id_token
        if event.event_type == "Started":
            record.started = True
        elif event.event_type == "Ended":
            record.ended = True
        if event.offline is True:
            record.offline_messages += 1
        if event.meter_value is not msgspec.UNSET:
            _take_energy(record, event.meter_value)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready digest. Gaps are counted on ended transactions only: an open one may
        still be delivering its queued events."""
        records = self.transactions.values()
        return {
            "stations_booted": len(self.stations_booted),
            "messages_total": sum(self.messages_by_action.values()),
            "messages_by_action": dict(sorted(self.messages_by_action.items())),
            "transactions_seen": len(self.transactions),
            "transactions_started": sum(1 for r in records if r.started),
            "transactions_ended": sum(1 for r in records if r.ended),
            "seq_no_gaps": sum(r.missing_seq_nos for r in records if r.ended),
            "seq_no_duplicates": sum(r.duplicates for r in records),
            "out_of_order": sum(r.out_of_order for r in records),
            "transaction_messages_stored": dict(sorted(self.stored_by_action.items())),
            "offline_messages": sum(r.offline_messages for r in records),
            "energy_wh": round(sum(r.delivered_wh for r in records), 3),
            "protocol_errors": dict(sorted(self.protocol_errors.items())),
            "transactions_by_version": _by_version(records),
        }


def _by_version(records: Iterable[TransactionRecord]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        v = out.setdefault(
            r.ocpp_version, {"seen": 0, "started": 0, "ended": 0, "unknown_ids": 0, "energy_wh": 0.0}
        )
        v["seen"] += 1
        v["started"] += r.started
        v["ended"] += r.ended
        # 1.6: the CSMS assigns ids at StartTransaction, so a record without one names an unknown id
        v["unknown_ids"] += r.ocpp_version == "1.6" and not r.started
        v["energy_wh"] = round(v["energy_wh"] + r.delivered_wh, 3)
    return dict(sorted(out.items()))


def _take_energy(record: TransactionRecord, meter_values: list[v201.MeterValue]) -> None:
    # Offline replays can arrive out of order: keep the reading with the latest timestamp,
    # not the one that arrived last.
    for meter_value in meter_values:
        taken_at = meter_value.timestamp
        if taken_at.tzinfo is None:  # the schema wants an offset; read a bare time as UTC, never crash
            taken_at = taken_at.replace(tzinfo=UTC)
        for sample in meter_value.sampled_value:
            wh = _energy_register_wh(sample)
            if wh is None:
                continue
            if record.energy_at is None or taken_at >= record.energy_at:
                record.energy_wh = wh
                record.energy_at = taken_at
            if record.first_energy_at is None or taken_at < record.first_energy_at:
                record.first_energy_wh = wh
                record.first_energy_at = taken_at


def _energy_register_wh(sample: v201.SampledValue) -> float | None:
    measurand = sample.measurand if sample.measurand is not msgspec.UNSET else _ENERGY_REGISTER
    # a per-phase reading is a part of the total, not the register itself
    if measurand != _ENERGY_REGISTER or sample.phase is not msgspec.UNSET:
        return None
    unit, multiplier = "Wh", 0
    if sample.unit_of_measure is not msgspec.UNSET:
        if sample.unit_of_measure.unit is not msgspec.UNSET:
            unit = sample.unit_of_measure.unit
        if sample.unit_of_measure.multiplier is not msgspec.UNSET:
            multiplier = sample.unit_of_measure.multiplier
    scale = _WH_PER_UNIT.get(unit)
    if scale is None or not -9 <= multiplier <= 9:
        return None
    wh = sample.value * scale * 10.0**multiplier
    # an absurd reading must not turn the JSON summary into Infinity
    return wh if math.isfinite(wh) else None
