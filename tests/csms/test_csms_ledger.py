"""The ledger: what the CSMS received, per transaction and in total."""

from __future__ import annotations

import json
import random
from typing import Any

from _csms_frames import call_frame

from fleet.csms import CsmsConfig, CsmsSession, Ledger

NOW = 1_714_564_800.0


class Station:
    """Feeds TransactionEvents through a real session, so the ledger sees what a server sees."""

    def __init__(self, ledger: Ledger, station_id: str = "CS-1") -> None:
        self.session = CsmsSession(station_id, CsmsConfig(), ledger, random.Random(0))
        self.sent = 0

    def event(
        self,
        transaction_id: str,
        seq_no: int,
        event_type: str = "Updated",
        *,
        meter: list[dict[str, Any]] | None = None,
        offline: bool = False,
        evse_id: int | None = None,
    ) -> None:
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": "2024-05-01T12:00:00Z",
            "triggerReason": "MeterValuePeriodic",
            "seqNo": seq_no,
            "transactionInfo": {"transactionId": transaction_id},
        }
        if meter is not None:
            payload["meterValue"] = meter
        if offline:
            payload["offline"] = True
        if evse_id is not None:
            payload["evse"] = {"id": evse_id, "connectorId": 1}
        self.sent += 1
        self.session.receive(call_frame(f"m{self.sent}", "TransactionEvent", payload), NOW)
        [answer] = self.session.data_to_send()
        assert answer.startswith("[3,"), answer


def register(value: float, at: str = "2024-05-01T12:00:00Z", **extra: Any) -> dict[str, Any]:
    return {"timestamp": at, "sampledValue": [{"value": value, **extra}]}


def test_a_clean_transaction_has_no_gaps_and_delivers_last_minus_first_register() -> None:
    ledger = Ledger()
    station = Station(ledger)
    station.event("tx-1", 0, "Started", evse_id=2, meter=[register(0.0)])
    for seq_no in range(1, 5):
        station.event("tx-1", seq_no, meter=[register(1000.0 * seq_no, f"2024-05-01T12:0{seq_no}:00Z")])
    station.event("tx-1", 5, "Ended", meter=[register(5500.0, "2024-05-01T12:09:00Z")])

    record = ledger.transactions["tx-1"]
    assert (record.station_id, record.evse_id, record.started, record.ended) == ("CS-1", 2, True, True)
    assert (record.missing_seq_nos, record.duplicates) == (0, 0)
    summary = ledger.summary()
    assert summary["transactions_started"] == summary["transactions_ended"] == 1
    assert summary["energy_wh"] == 5500.0
    assert summary["messages_by_action"] == {"TransactionEvent": 6}


def test_missing_seq_nos_are_gaps_and_repeated_ones_duplicates() -> None:
    ledger = Ledger()
    station = Station(ledger)
    for seq_no in (0, 1, 1, 3, 3, 3):  # 2 and 4 lost, 1 sent twice, 3 three times
        station.event("tx-2", seq_no, "Started" if seq_no == 0 else "Updated")
    station.event("tx-2", 5, "Ended")

    record = ledger.transactions["tx-2"]
    assert record.missing_seq_nos == 2
    assert record.duplicates == 3
    summary = ledger.summary()
    assert (summary["seq_no_gaps"], summary["seq_no_duplicates"]) == (2, 3)


def test_gaps_of_an_open_transaction_are_not_counted_yet_but_a_lost_start_is() -> None:
    ledger = Ledger()
    station = Station(ledger)
    station.event("open", 0, "Started")
    station.event("open", 3)  # 1 and 2 may still be in the station's offline queue
    station.event("no-start", 1)
    station.event("no-start", 2, "Ended")  # seqNo 0, the Started event, never came

    summary = ledger.summary()
    assert summary["seq_no_gaps"] == 1
    assert summary["transactions_started"] == 1
    assert summary["transactions_ended"] == 1
    assert summary["transactions_seen"] == 2
    assert ledger.transactions["open"].missing_seq_nos == 2


def test_energy_honours_units_multipliers_phases_and_measurands() -> None:
    ledger = Ledger()
    station = Station(ledger)
    station.event(
        "tx-3",
        0,
        "Started",
        meter=[
            {
                "timestamp": "2024-05-01T12:00:00Z",
                "sampledValue": [
                    {"value": 12.5, "unitOfMeasure": {"unit": "kWh"}},
                    {"value": 99999.0, "phase": "L1"},  # a phase's share, not the register
                    {"value": 230.0, "measurand": "Voltage", "unitOfMeasure": {"unit": "V"}},
                ],
            }
        ],
    )
    assert ledger.transactions["tx-3"].energy_wh == 12500.0

    station.event(
        "tx-3",
        1,
        meter=[register(1.5, "2024-05-01T12:05:00Z", unitOfMeasure={"unit": "Wh", "multiplier": 4})],
    )
    assert ledger.transactions["tx-3"].energy_wh == 15000.0


def test_an_offline_replay_of_an_older_reading_does_not_lower_the_energy() -> None:
    ledger = Ledger()
    station = Station(ledger)
    station.event("tx-4", 0, "Started", meter=[register(0.0, "2024-05-01T12:00:00Z")])
    station.event("tx-4", 2, "Ended", meter=[register(8000.0, "2024-05-01T13:00:00Z")])
    station.event("tx-4", 1, meter=[register(4000.0, "2024-05-01T12:30:00Z")], offline=True)

    record = ledger.transactions["tx-4"]
    assert record.energy_wh == 8000.0
    assert record.offline_messages == 1
    assert record.missing_seq_nos == 0
    assert ledger.summary()["offline_messages"] == 1


def test_energy_totals_over_transactions_and_stations() -> None:
    ledger = Ledger()
    rng = random.Random(9)
    expected = 0.0
    for n in range(12):
        station = Station(ledger, f"CS-{n % 4}")
        wh = float(rng.randrange(1000, 60000))
        expected += wh
        station.event(f"tx-{n}", 0, "Started", meter=[register(0.0)])
        station.event(f"tx-{n}", 1, "Ended", meter=[register(wh, "2024-05-01T13:00:00Z")])

    summary = ledger.summary()
    assert summary["energy_wh"] == expected
    assert summary["transactions_ended"] == 12


def test_summary_is_plain_json() -> None:
    ledger = Ledger()
    station = Station(ledger)
    station.session.receive(
        call_frame(
            "b",
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"model": "m", "vendorName": "v"}},
        ),
        NOW,
    )
    station.session.receive(b"\x00garbage", NOW)
    station.session.receive(call_frame("u", "NoSuchAction", {}), NOW)
    assert len(station.session.data_to_send()) == 2  # the boot answer and the NotImplemented
    station.event("tx", 0, "Started", meter=[register(1e308, unitOfMeasure={"unit": "kWh", "multiplier": 9})])

    summary = ledger.summary()
    text = json.dumps(summary, allow_nan=False)  # an absurd reading must not become Infinity
    assert json.loads(text) == summary
    assert summary["protocol_errors"] == {"NotImplemented": 1, "RpcFrameworkError": 1}
    assert summary["stations_booted"] == 1
    assert summary["messages_total"] == 2


def test_delivered_energy_is_the_register_difference_not_the_lifetime_register() -> None:
    # the register counts over the EVSE's life: the second session starts where the first ended
    ledger = Ledger()
    station = Station(ledger)
    station.event("tx-a", 0, "Started", meter=[register(100_000.0, "2024-05-01T08:00:00Z")])
    station.event("tx-a", 1, "Ended", meter=[register(112_000.0, "2024-05-01T10:00:00Z")])
    station.event("tx-b", 0, "Started", meter=[register(112_000.0, "2024-05-01T11:00:00Z")])
    station.event("tx-b", 1, "Ended", meter=[register(119_500.0, "2024-05-01T12:00:00Z")])

    assert ledger.transactions["tx-a"].delivered_wh == 12_000.0
    assert ledger.transactions["tx-b"].delivered_wh == 7_500.0
    assert ledger.summary()["energy_wh"] == 19_500.0
