"""OCPP 1.6 transaction ids come from the CSMS. A transaction started offline has none until its
queued StartTransaction is answered, so the MeterValues and StopTransaction queued behind it are
patched with the id when it arrives (the queue is in order: they cannot leave before)."""

from __future__ import annotations

import msgspec

from fleet.station._connection import CallChannel
from fleet.station._outgoing import OutgoingCall
from fleet.station.ocpp16._connector import Transaction16

UNKNOWN_ID = -1  # a transaction whose StartTransaction was never answered (retries exhausted)


def id_assigned(tx: Transaction16, transaction_id: int) -> None:
    """The StartTransaction was answered (or given up on: ``UNKNOWN_ID``)."""
    tx.transaction_id = transaction_id
    for patch in tx.waiting_for_id:
        patch(transaction_id)
    tx.waiting_for_id.clear()


def send_for_transaction(channel: CallChannel, tx: Transaction16, call: OutgoingCall) -> None:
    """Queue a transaction message; its transactionId is filled in now or once the CSMS gave it."""
    call.transactional = True

    def patch(transaction_id: int) -> None:
        call.payload = msgspec.structs.replace(call.payload, transaction_id=transaction_id)

    if tx.transaction_id is not None:
        patch(tx.transaction_id)
    else:
        tx.waiting_for_id.append(patch)
    channel.send(call, call.intended_at)


def transaction_label(tx: Transaction16) -> str:
    """The transaction's id for events and EvseState: the CSMS's once known, else a local one."""
    return str(tx.transaction_id) if tx.transaction_id is not None else f"local-{tx.local_id}"
