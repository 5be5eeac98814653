"""Loss accounting (issue 17, item 10): what the stations had acknowledged against what the CSMS
stored, as numbers in the summary and its printed line."""

from __future__ import annotations

from typing import Any

from fleet.metrics import format_summary, loss_accounting


def _summary(ok: int, stored: int, duplicates: int = 0, version: str = "2.0.1") -> dict[str, Any]:
    action = {"sent": ok, "ok": ok, "errors": 0, "latency_ms": {k: 1.0 for k in ("p50", "p90", "p99", "max")}}
    return {
        "ocpp_version": version,
        "actions": {"TransactionEvent": action, "MeterValues": action},
        "messages_dropped": [{"action": "TransactionEvent", "reason": "OfflineQueueFull", "count": 2}],
        "csms": {
            "transaction_messages_stored": {"TransactionEvent": stored},
            "seq_no_duplicates": duplicates,
            "out_of_order": 0,
            "seq_no_gaps": 2,
            "offline_messages": 7,
        },
    }


def test_nothing_lost_is_a_number_in_the_summary() -> None:
    summary = _summary(ok=100, stored=101, duplicates=1)  # one answer lost, message sent again
    loss = loss_accounting(summary)
    assert loss is not None
    assert (loss["acknowledged"], loss["stored"], loss["lost"], loss["duplicated"]) == (100, 101, 0, 1)
    assert loss["replayed_offline"] == 7 and loss["dropped_by_stations"] == 2
    assert "MeterValues" not in loss["by_action"]  # a 2.0.1 MeterValues is no transaction message
    summary["loss"] = loss
    assert (
        "transaction messages: 100 acknowledged, 101 stored by the CSMS: 0 lost, 1 duplicated, "
        "0 out of order, 2 seqNo gaps; 7 replayed offline; 2 dropped by the stations"
    ) in format_summary(summary)


def test_acknowledged_but_not_stored_is_lost() -> None:
    loss = loss_accounting(_summary(ok=100, stored=97))
    assert loss is not None and loss["lost"] == 3


def test_without_a_csms_ledger_there_is_no_accounting() -> None:
    summary = _summary(ok=1, stored=1)
    del summary["csms"]
    assert loss_accounting(summary) is None
