"""What `fleet verify` compares: the transaction messages a capture shows the stations sent and
the CSMS acknowledged, against a ledger of what the CSMS stored (README "Loss accounting").

A message is named by its station, action and transaction, plus its seqNo (2.0.1
TransactionEvent) or its timestamp (1.6 StartTransaction, StopTransaction, MeterValues; a
StartTransaction's transaction id is the one the CSMS answered with). Timestamps are compared as
instants, whatever their ISO 8601 spelling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from fleet.csms import LedgerEntry, read_ledger

Key = tuple[str, str, str | None, str]  # station, action, transaction id, seqNo or instant
EXAMPLES = 10  # per kind of mismatch, named in the report


class _CaptureLine(msgspec.Struct):
    t: float
    station: str
    dir: str
    frame: str


@dataclass
class Comparison:
    acknowledged: set[Key] = field(default_factory=set)
    unanswered: set[Key] = field(default_factory=set)  # sent, never acknowledged
    stored: Counter[Key] = field(default_factory=Counter)
    out_of_order: list[Key] = field(default_factory=list)

    @property
    def lost(self) -> list[Key]:
        return sorted(key for key in self.acknowledged if key not in self.stored)

    @property
    def duplicated(self) -> list[Key]:
        return sorted(key for key, n in self.stored.items() if n > 1)

    @property
    def unknown(self) -> list[Key]:
        sent = self.acknowledged | self.unanswered
        return sorted(key for key in self.stored if key not in sent)

    @property
    def matches(self) -> bool:
        return not (self.lost or self.duplicated or self.unknown or self.out_of_order)


def describe(key: Key) -> str:
    station, action, transaction_id, where = key
    at = f"seqNo {where}" if action == "TransactionEvent" else f"at {where}"
    return f"{station} {action} transaction {transaction_id if transaction_id is not None else '-'} {at}"


def _instant(text: str | datetime) -> str:
    moment = text if isinstance(text, datetime) else datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def _sent_key(station: str, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> Key | None:
    """The key of a sent transaction message (None: not one)."""
    if action == "TransactionEvent":
        info = payload["transactionInfo"]
        return station, action, _id(info["transactionId"]), str(payload["seqNo"])
    if action == "StartTransaction":
        return station, action, _id(answer.get("transactionId")), _instant(payload["timestamp"])
    if action == "StopTransaction":
        return station, action, _id(payload["transactionId"]), _instant(payload["timestamp"])
    if action == "MeterValues" and "connectorId" in payload:  # 1.6; 2.0.1's is no transaction message
        first = payload["meterValue"][0]["timestamp"]
        return station, action, _id(payload.get("transactionId")), _instant(first)
    return None


def _frames(path: str) -> Iterator[tuple[int, _CaptureLine, list[Any]]]:
    decoder = msgspec.json.Decoder(_CaptureLine)
    with open(path, "rb") as file:
        for number, raw in enumerate(file, 1):
            if not raw.strip():
                continue
            try:
                line = decoder.decode(raw)
            except msgspec.DecodeError as exc:
                raise ValueError(f"{path} line {number}: not a capture line: {exc}") from None
            try:
                frame = msgspec.json.decode(line.frame)
            except msgspec.DecodeError:
                continue  # not OCPP-J: no transaction message
            if isinstance(frame, list) and len(frame) >= 3 and isinstance(frame[1], str):
                yield number, line, frame


def read_capture(paths: Iterable[str], comparison: Comparison) -> None:
    """File each transaction message sent into ``acknowledged`` or ``unanswered``."""
    for path in paths:
        waiting: dict[tuple[str, str], tuple[int, str, dict[str, Any]]] = {}
        for number, line, frame in _frames(path):
            if line.dir == "sent" and frame[0] == 2 and len(frame) == 4:
                waiting[(line.station, frame[1])] = (number, frame[2], frame[3])
            elif line.dir == "received" and frame[0] == 3 and (line.station, frame[1]) in waiting:
                number, action, payload = waiting.pop((line.station, frame[1]))
                key = _key(path, number, line.station, action, payload, frame[2])
                if key is not None:
                    comparison.acknowledged.add(key)
        for (station, _), (number, action, payload) in waiting.items():
            key = _key(path, number, station, action, payload, {})
            if key is not None:
                comparison.unanswered.add(key)
    comparison.unanswered -= comparison.acknowledged


def _key(path: str, number: int, station: str, action: str, payload: Any, answer: Any) -> Key | None:
    try:
        return _sent_key(station, action, payload, answer if isinstance(answer, dict) else {})
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} line {number}: {action} frame without {exc}") from None


def read_stored(path: str, comparison: Comparison) -> None:
    """Count each ledger entry, and note TransactionEvents stored after a higher seqNo."""
    highest: dict[tuple[str, str | None], int] = {}
    for number, entry in read_ledger(path):
        key = _entry_key(entry, f"{path} line {number}")
        comparison.stored[key] += 1
        if entry.seq_no is None:
            continue
        transaction = (entry.station, entry.transaction_id)
        if comparison.stored[key] == 1 and entry.seq_no < highest.get(transaction, -1):
            comparison.out_of_order.append(key)
        highest[transaction] = max(highest.get(transaction, -1), entry.seq_no)


_LEDGER_ACTIONS = ("TransactionEvent", "StartTransaction", "StopTransaction", "MeterValues")


def _entry_key(entry: LedgerEntry, where: str) -> Key:
    if entry.action not in _LEDGER_ACTIONS:
        raise ValueError(f"{where}: action {entry.action!r} is not one of {', '.join(_LEDGER_ACTIONS)}")
    if entry.action == "TransactionEvent":
        if entry.seq_no is None:
            raise ValueError(f"{where}: a TransactionEvent entry needs its seq_no")
        return entry.station, entry.action, entry.transaction_id, str(entry.seq_no)
    return entry.station, entry.action, entry.transaction_id, _instant(entry.timestamp)
