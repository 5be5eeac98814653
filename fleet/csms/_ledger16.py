"""What the ledger records of OCPP 1.6 transactions (StartTransaction, MeterValues, StopTransaction).

1.6 transaction ids are integers the CSMS assigns, unique per charge point only, so a 1.6 record
is keyed by station and id (``"1.6:<station>:<id>"``), apart from the 2.0.1 ids. Delivered energy
is meterStop - meterStart (both in Wh by the specification). A MeterValues or StopTransaction for
an id that was never started leaves a record with ``started`` False: an unknown transaction id.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import msgspec

from fleet.csms._ledger import Ledger, TransactionRecord
from fleet.csms._ledger_journal import LedgerEntry
from fleet.ocpp import v16

VERSION = "1.6"
_ENERGY_REGISTER = "Energy.Active.Import.Register"
_WH_PER_UNIT = {"Wh": 1.0, "kWh": 1000.0}


def transaction_key(station_id: str, transaction_id: int) -> str:
    return f"{VERSION}:{station_id}:{transaction_id}"


def _record(ledger: Ledger, station_id: str, transaction_id: int) -> TransactionRecord:
    key = transaction_key(station_id, transaction_id)
    record = ledger.transactions.get(key)
    if record is None:
        record = ledger.transactions[key] = TransactionRecord(
            str(transaction_id), station_id, ocpp_version=VERSION
        )
    return record


def _utc(moment: datetime) -> datetime:
    # the structs refuse naive times; this only guards a caller handing one in directly
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record_start(
    ledger: Ledger, station_id: str, transaction_id: int, request: v16.StartTransactionRequest
) -> None:
    ledger.stored(LedgerEntry(station_id, "StartTransaction", str(transaction_id), request.timestamp))
    record = _record(ledger, station_id, transaction_id)
    if record.started:
        record.duplicates += 1  # the same StartTransaction again (a replay): same id, counted once
        return
    record.started = True
    record.evse_id = request.connector_id
    record.id_token = request.id_tag
    record.first_energy_wh = float(request.meter_start)
    record.first_energy_at = _utc(request.timestamp)
    if record.energy_at is None:
        record.energy_wh, record.energy_at = record.first_energy_wh, record.first_energy_at


def record_meter_values(ledger: Ledger, station_id: str, request: v16.MeterValuesRequest) -> None:
    in_transaction = request.transaction_id is not msgspec.UNSET
    transaction_id = str(request.transaction_id) if in_transaction else None
    ledger.stored(LedgerEntry(station_id, "MeterValues", transaction_id, request.meter_value[0].timestamp))
    if request.transaction_id is msgspec.UNSET:
        return  # a connector's reading outside any transaction
    record = _record(ledger, station_id, request.transaction_id)
    record.meter_values += 1
    if record.ended:
        return  # the StopTransaction's meterStop is the final reading
    for meter_value in request.meter_value:
        taken_at = _utc(meter_value.timestamp)
        for sample in meter_value.sampled_value:
            wh = _energy_register_wh(sample)
            if wh is not None and (record.energy_at is None or taken_at >= record.energy_at):
                record.energy_wh, record.energy_at = wh, taken_at


def record_stop(ledger: Ledger, station_id: str, request: v16.StopTransactionRequest) -> None:
    ledger.stored(LedgerEntry(station_id, "StopTransaction", str(request.transaction_id), request.timestamp))
    record = _record(ledger, station_id, request.transaction_id)
    if record.ended:
        record.duplicates += 1
        return
    record.ended = True
    record.energy_wh = float(request.meter_stop)
    record.energy_at = _utc(request.timestamp)


def _energy_register_wh(sample: v16.MeterValueSampledValue) -> float | None:
    measurand = sample.measurand if sample.measurand is not msgspec.UNSET else _ENERGY_REGISTER
    if measurand != _ENERGY_REGISTER or sample.phase is not msgspec.UNSET:
        return None  # a per-phase reading is a part of the total, not the register
    if sample.format is not msgspec.UNSET and sample.format != "Raw":
        return None  # SignedData carries no number to read
    scale = _WH_PER_UNIT.get(sample.unit if sample.unit is not msgspec.UNSET else "Wh")
    try:
        value = float(sample.value)  # 1.6 sends readings as decimal strings
    except ValueError:
        return None
    if scale is None or not math.isfinite(value * scale):
        return None
    return value * scale
