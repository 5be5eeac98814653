"""Loss accounting: the transaction messages the stations had acknowledged against what the CSMS
stored (README "Loss accounting").

Plain data in, plain data out: the run's summary (its ``actions``, ``messages_dropped`` and, for a
mixed fleet, ``by_ocpp_version``) and the CSMS ledger's summary (``csms``: the embedded CSMS's,
merged over its workers). Transaction messages are TransactionEvent (2.0.1) and StartTransaction,
StopTransaction and MeterValues (1.6). A message the CSMS stored but whose answer was lost is
sent again: the CSMS then holds a duplicate, which is counted, not mistaken for a lost one.

- ``lost``: acknowledged by the CSMS (CALLRESULT) but not stored = acknowledged - (stored -
  duplicates), when positive;
- ``duplicated``: copies of a message already stored (same transaction and seqNo, or a second
  StartTransaction/StopTransaction);
- ``out_of_order``: TransactionEvents stored after one with a higher seqNo of the same transaction;
- ``seq_no_gaps``: seqNos never stored in ended transactions (lost, or dropped by a station:
  ``dropped_by_stations`` says how many the stations gave up on);
- ``replayed_offline``: TransactionEvents flagged ``offline`` (queued while offline, sent later).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TRANSACTION_ACTIONS = ("TransactionEvent", "StartTransaction", "StopTransaction", "MeterValues")
_ONLY_16 = "MeterValues"  # a transaction message in 1.6 only (2.0.1's is not kept by the ledger)


def loss_accounting(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    """The run's loss accounting, or None when ``summary`` has no CSMS ledger (``csms``)."""
    ledger = summary.get("csms")
    if not ledger or "transaction_messages_stored" not in ledger:
        return None
    acknowledged = _acknowledged(summary)
    stored_by_action = ledger["transaction_messages_stored"]
    stored = sum(stored_by_action.get(action, 0) for action in acknowledged)
    duplicated = ledger.get("seq_no_duplicates", 0)
    sent = sum(acknowledged.values())
    distinct = stored - duplicated
    return {
        "acknowledged": sent,
        "stored": stored,
        "lost": max(0, sent - distinct),
        "duplicated": duplicated,
        "out_of_order": ledger.get("out_of_order", 0),
        "seq_no_gaps": ledger.get("seq_no_gaps", 0),
        "stored_unacknowledged": max(0, distinct - sent),
        "replayed_offline": ledger.get("offline_messages", 0),
        "dropped_by_stations": sum(
            entry["count"]
            for entry in summary.get("messages_dropped", [])
            if entry["action"] in TRANSACTION_ACTIONS
        ),
        "by_action": {
            action: {"acknowledged": n, "stored": stored_by_action.get(action, 0)}
            for action, n in sorted(acknowledged.items())
        },
    }


def _acknowledged(summary: Mapping[str, Any]) -> dict[str, int]:
    """Transaction messages per action that got a CALLRESULT, as the stations counted them."""
    actions = summary.get("actions", {})
    counts = {
        action: actions[action]["ok"]
        for action in TRANSACTION_ACTIONS
        if action != _ONLY_16 and action in actions
    }
    version = summary.get("ocpp_version")
    v16 = (
        actions if version == "1.6" else summary.get("by_ocpp_version", {}).get("1.6", {}).get("actions", {})
    )
    if version in ("1.6", "mixed"):
        counts[_ONLY_16] = v16.get(_ONLY_16, {}).get("ok", 0)
    return counts
