"""The live view the console shows, fed by real CSMS sessions (sans-IO): frames in, state out,
for OCPP 2.0.1 and 1.6; paging, filtering and sorting 50,000 stations fast."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from fleet.csms import CsmsConfig, CsmsSession, CsmsSession16, Ledger, LiveView
from fleet.ocpp import v16, v201

NOW = "2026-12-04T10:00:00Z"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _call(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return json.dumps([2, unique_id, action, payload])


def _session(live: LiveView, station_id: str = "CS-1", *, v16_session: bool = False) -> CsmsSession:
    kind = CsmsSession16 if v16_session else CsmsSession
    session = kind(station_id, CsmsConfig(), Ledger(), random.Random(1))
    session.observer = live
    live.connected(station_id, "ocpp1.6" if v16_session else "ocpp2.0.1")
    return session


def _boot201(session: CsmsSession) -> None:
    boot = {
        "reason": "PowerUp",
        "chargingStation": {"model": "M1", "vendorName": "V1", "firmwareVersion": "9.9"},
    }
    session.receive(_call("1", "BootNotification", boot), 0.0)


def _event(event_type: str, seq_no: int, energy_wh: float, **extra: Any) -> dict[str, Any]:
    sampled = [
        {
            "value": energy_wh / 1000.0,
            "measurand": "Energy.Active.Import.Register",
            "unitOfMeasure": {"unit": "kWh"},
        },
        {"value": 7.2, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "kW"}},
        {"value": 55, "measurand": "SoC", "unitOfMeasure": {"unit": "Percent"}},
    ]
    return {
        "eventType": event_type,
        "timestamp": NOW,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "TX-1", **extra.pop("info", {})},
        "meterValue": [{"timestamp": NOW, "sampledValue": sampled}],
        **extra,
    }


def test_a_201_station_boots_charges_and_ends() -> None:
    live = LiveView(clock=Clock())
    session = _session(live)
    assert live.stations["CS-1"].state == "booting"
    _boot201(session)
    station = live.stations["CS-1"]
    assert (station.state, station.vendor, station.model, station.firmware) == (
        "available",
        "V1",
        "M1",
        "9.9",
    )
    status = {"timestamp": NOW, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}
    session.receive(_call("2", "StatusNotification", status), 0.0)
    assert station.connectors[(1, 1)].status == "Occupied"
    started = _event("Started", 0, 1000.0, evse={"id": 1}, idToken={"idToken": "TOKEN-7", "type": "ISO14443"})
    session.receive(_call("3", "TransactionEvent", started), 0.0)
    session.receive(_call("4", "TransactionEvent", _event("Updated", 1, 3500.0)), 0.0)
    assert station.state == "charging" and live.counts["charging"] == 1
    transaction = station.transactions["TX-1"]
    assert (transaction.id_token, transaction.evse_id) == ("TOKEN-7", 1)
    assert (transaction.energy_wh, transaction.power_w, transaction.soc) == (3500.0, 7200.0, 55)
    assert transaction.delivered_wh == 2500.0 and len(transaction.samples) == 2
    ended = _event("Ended", 2, 4000.0, info={"stoppedReason": "Remote"})
    session.receive(_call("5", "TransactionEvent", ended), 0.0)
    assert station.transactions == {} and station.state == "available"
    assert live.transactions["TX-1"].ended and live.transactions["TX-1"].stopped_reason == "Remote"
    assert live.counts == {
        "offline": 0,
        "booting": 0,
        "available": 1,
        "charging": 0,
        "faulted": 0,
        "unavailable": 0,
    }
    session.data_to_send()  # the answers go out: both directions are in the frame ring
    directions = [direction for _, direction, _ in station.frames]
    assert directions.count("in") == 5 and directions.count("out") == 5
    assert any(
        '"eventType": "Ended"' in str(text) for _, direction, text in station.frames if direction == "in"
    )
    live.disconnected("CS-1")
    assert station.state == "offline" and live.counts["offline"] == 1


def test_a_16_station_start_meter_values_stop() -> None:
    live = LiveView(clock=Clock())
    session = _session(live, "OLD-1", v16_session=True)
    boot = {"chargePointVendor": "V16", "chargePointModel": "M16"}
    session.receive(_call("1", "BootNotification", boot), 0.0)
    faulted = {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"}
    session.receive(_call("2", "StatusNotification", faulted), 0.0)
    station = live.stations["OLD-1"]
    assert (station.ocpp_version, station.state, station.connectors[(1, 1)].error_code) == (
        "1.6",
        "faulted",
        "GroundFailure",
    )
    start = {"connectorId": 1, "idTag": "TAG16", "meterStart": 100, "timestamp": NOW}
    session.receive(_call("3", "StartTransaction", start), 0.0)
    (transaction,) = station.transactions.values()
    tx_id = int(transaction.transaction_id)
    assert json.loads(session.data_to_send()[-1])[2]["transactionId"] == tx_id  # the id the CSMS gave
    sampled = [{"value": "1.6", "measurand": "Energy.Active.Import.Register", "unit": "kWh"}]
    meter = {
        "connectorId": 1,
        "transactionId": tx_id,
        "meterValue": [{"timestamp": NOW, "sampledValue": sampled}],
    }
    session.receive(_call("4", "MeterValues", meter), 0.0)
    assert (
        transaction.energy_wh == 1600.0 and transaction.delivered_wh == 1500.0 and station.state == "charging"
    )
    stop = {"transactionId": tx_id, "meterStop": 2000, "timestamp": NOW, "reason": "Remote"}
    session.receive(_call("5", "StopTransaction", stop), 0.0)
    assert transaction.ended and transaction.delivered_wh == 1900.0 and not station.transactions


def test_device_model_from_notify_report_and_get_variables() -> None:
    live = LiveView(clock=Clock())
    session = _session(live)
    report = {
        "requestId": 1,
        "generatedAt": NOW,
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "variableAttribute": [{"type": "Actual", "value": "300"}, {"type": "Target", "value": "60"}],
            }
        ],
    }
    session.receive(_call("1", "NotifyReport", report), 0.0)
    assert live.stations["CS-1"].variables == {"OCPPCommCtrlr.HeartbeatInterval": "300"}
    request = v201.GetVariablesRequest(
        get_variable_data=[
            v201.GetVariableData(
                component=v201.Component(name="EVSE", evse=v201.EVSE(id=1)),
                variable=v201.Variable(name="Power"),
            )
        ]
    )
    unique_id = session.call("GetVariables", request, 0.0)
    result = {
        "attributeStatus": "Accepted",
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
        "attributeValue": "22000",
    }
    session.receive(json.dumps([3, unique_id, {"getVariableResult": [result]}]), 0.0)
    assert live.stations["CS-1"].variables["EVSE@evse1.Power"] == "22000"
    old = _session(live, "OLD-2", v16_session=True)
    unique_id = old.call("GetConfiguration", v16.GetConfigurationRequest(), 0.0)
    keys = [{"key": "HeartbeatInterval", "readonly": False, "value": "120"}]
    old.receive(json.dumps([3, unique_id, {"configurationKey": keys}]), 0.0)
    assert live.stations["OLD-2"].variables == {"HeartbeatInterval": "120"}


def test_errors_are_counted_and_the_frame_ring_is_bounded() -> None:
    live = LiveView(clock=Clock())
    session = _session(live)
    for number in range(30):
        session.receive(_call(str(number), "NoSuchAction", {}), 0.0)
        session.data_to_send()  # a CALLERROR back each time
    station = live.stations["CS-1"]
    assert len(station.frames) == 20 and station.errors == 30 and live.errors == 30 and live.messages == 60


def test_paging_filtering_and_sorting_50000_stations_is_fast() -> None:
    live = LiveView(clock=Clock())
    for index in range(50_000):
        station_id = f"SIM-{index:05d}"
        live.connected(station_id, "ocpp1.6" if index % 4 == 0 else "ocpp2.0.1")
        station = live.stations[station_id]
        station.messages = index % 97
        if index % 3:
            station.booted = True
            live._restate(station)
    started = time.perf_counter()
    total, rows = live.page(offset=49_990, limit=50)
    assert total == 50_000 and rows[0].station_id == "SIM-49990" and len(rows) == 10
    total, rows = live.page(state="booting", ocpp_version="1.6", sort="messages", descending=True, limit=5)
    assert total == len([i for i in range(0, 50_000, 12)]) and rows[0].messages == 96
    total, rows = live.page(contains="4242", limit=50)
    expected = sorted(f"SIM-{i:05d}" for i in range(50_000) if "4242" in f"{i:05d}")
    assert total == len(expected) == 15 and [row.station_id for row in rows] == expected
    elapsed = time.perf_counter() - started
    assert elapsed < 1.5, f"three pages over 50,000 stations took {elapsed:.2f} s"


def test_a_reconnect_without_a_reboot_keeps_the_station_booted() -> None:
    live = LiveView(clock=Clock())
    _boot201(_session(live))
    live.disconnected("CS-1")
    assert live.stations["CS-1"].state == "offline"
    _session(live)  # the same station id connects again and sends no BootNotification
    assert live.stations["CS-1"].state == "available" and live.counts["available"] == 1
