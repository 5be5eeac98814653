"""The CSMS's ledger as a file: one JSON line per transaction message it stored (``--ledger-out``).

The format, documented in README "Loss accounting", is what ``fleet verify`` reads, so a user can
write the same lines from their own CSMS's database and check it against a ``--capture``:

    {"station": "SIM-00001", "action": "TransactionEvent", "transaction_id": "a1b2",
     "seq_no": 0, "event_type": "Started", "timestamp": "2026-01-05T08:00:00Z"}

``action``: TransactionEvent (2.0.1; ``seq_no`` and ``event_type`` set), StartTransaction,
StopTransaction or MeterValues (1.6; ``transaction_id`` is the id the CSMS assigned, null for a
MeterValues outside a transaction; ``seq_no`` and ``event_type`` null). ``timestamp``: the
message's own (a 1.6 MeterValues: its first meterValue's), ISO 8601 with an offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO

import msgspec


class LedgerEntry(msgspec.Struct, forbid_unknown_fields=True):
    station: str
    action: str
    transaction_id: str | None
    timestamp: datetime
    seq_no: int | None = None
    event_type: str | None = None


class LedgerJournal:
    """Appends one line per stored message to ``path`` (opened on the first line, line-buffered,
    so a CSMS that is killed loses no line it wrote; CSMS workers append to the same file)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._encoder = msgspec.json.Encoder()

    def __getstate__(self) -> str:
        return self.path  # a worker's ledger travels to its parent without the open file

    def __setstate__(self, path: str) -> None:
        self.path, self._file, self._encoder = path, None, msgspec.json.Encoder()

    def write(self, entry: LedgerEntry) -> None:
        if self._file is None:
            self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - one write per line
        self._file.write(self._encoder.encode(entry) + b"\n")


def read_ledger(path: str) -> Iterator[tuple[int, LedgerEntry]]:
    """(line number, entry) for each line of a ledger file; ValueError names the bad line."""
    decoder = msgspec.json.Decoder(LedgerEntry)
    with open(path, "rb") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                yield number, decoder.decode(line)
            except msgspec.DecodeError as exc:
                raise ValueError(f"{path} line {number}: not a ledger entry: {exc}") from None
