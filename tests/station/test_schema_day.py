"""A scripted day of one station through every use case; EVERY frame it sent must validate
against the official OCA JSON schemas."""

from __future__ import annotations

from _station_harness import FakeCsms, make_station, set_variable, wall

from fleet.ocpp import v201
from fleet.station import RebootRequested

HOUR = 3600.0


def test_a_scripted_day_sends_only_schema_valid_frames() -> None:
    station = make_station(evse_count=2, serial_number="SN-0001")
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "300")
    set_variable(
        station,
        "SampledDataCtrlr",
        "TxUpdatedMeasurands",
        "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC",
    )
    csms = FakeCsms(station)

    # 00:00 boot, first Pending then Accepted; configuration while pending
    station.connected(0.0)
    csms.answer(
        csms.take("BootNotification"),
        v201.BootNotificationResponse(current_time=wall(0), interval=10, status="Pending"),
        now=0.0,
    )
    csms.call("GetBaseReport", v201.GetBaseReportRequest(request_id=1, report_base="FullInventory"), now=1.0)
    csms.answer_all(1.0)
    csms.advance(1.0, 10.0)
    csms.answer_all(10.0)
    assert station.boot_status == "Accepted"
    csms.call(
        "SetVariables",
        v201.SetVariablesRequest(
            set_variable_data=[
                v201.SetVariableData(
                    attribute_value="600",
                    component=v201.Component(name="OCPPCommCtrlr"),
                    variable=v201.Variable(name="HeartbeatInterval"),
                )
            ]
        ),
        now=20.0,
    )
    csms.call(
        "GetVariables",
        v201.GetVariablesRequest(
            get_variable_data=[
                v201.GetVariableData(component=v201.Component(name="Nope"), variable=v201.Variable(name="X"))
            ]
        ),
        now=21.0,
    )

    # 01:00 RFID session on EVSE 1 with SoC; PIN session on EVSE 2 that the EV pauses
    t = 1 * HOUR
    station.plug_in(1, t)
    station.present_id_token(1, "04AABBCC", "ISO14443", t + 5)
    station.set_ev_demand(1, 11_000.0, 20.0, t + 6)
    station.present_id_token(2, "1234", "KeyCode", t + 10)
    station.plug_in(2, t + 20)
    station.set_ev_demand(2, 7_000.0, None, t + 21)
    csms.advance(t, t + HOUR)
    station.set_ev_demand(2, 0.0, None, t + HOUR + 1)
    station.present_id_token(1, "04AABBCC", "ISO14443", t + HOUR + 2)
    station.unplug(1, t + HOUR + 10)
    station.unplug(2, t + HOUR + 20)
    csms.answer_all(t + HOUR + 20)

    # 03:00 remote start, triggers, remote stop
    t = 3 * HOUR
    station.plug_in(1, t)
    csms.call(
        "RequestStartTransaction",
        v201.RequestStartTransactionRequest(
            id_token=v201.IdToken(id_token="APP", type="Central"), remote_start_id=7, evse_id=1
        ),
        now=t + 1,
    )
    station.set_ev_demand(1, 3_700.0, None, t + 2)
    csms.answer_all(t + 2)
    messages: tuple[v201.MessageTriggerEnum, ...] = (
        "StatusNotification",
        "MeterValues",
        "TransactionEvent",
        "Heartbeat",
        "LogStatusNotification",
        "FirmwareStatusNotification",
    )
    for message in messages:
        csms.call("TriggerMessage", v201.TriggerMessageRequest(requested_message=message), now=t + 3)
        csms.answer_all(t + 3)
    tx = station.evse_state(1).transaction_id
    assert tx is not None
    csms.call("RequestStopTransaction", v201.RequestStopTransactionRequest(transaction_id=tx), now=t + 600)
    station.unplug(1, t + 610)
    csms.answer_all(t + 610)

    # 05:00 offline for two hours with a session in the middle, then reconnect
    t = 5 * HOUR
    station.disconnected(t)
    station.plug_in(2, t + HOUR)
    station.present_id_token(2, "", "NoAuthorization", t + HOUR)
    station.set_ev_demand(2, 22_000.0, 50.0, t + HOUR)
    csms.advance(t, t + 1.5 * HOUR, answer=False)
    station.unplug(2, t + 1.5 * HOUR)
    station.connected(t + 2 * HOUR)
    csms.answer_all(t + 2 * HOUR)

    # 08:00 availability, lock failure, unlock, data transfer both ways
    t = 8 * HOUR
    csms.call(
        "ChangeAvailability",
        v201.ChangeAvailabilityRequest(operational_status="Inoperative", evse=v201.EVSE(id=2)),
        now=t,
    )
    csms.call(
        "ChangeAvailability", v201.ChangeAvailabilityRequest(operational_status="Operative"), now=t + 60
    )
    station.fail_next_lock(1)
    station.plug_in(1, t + 100)
    station.present_id_token(1, "04DDEEFF", "ISO14443", t + 101)
    csms.answer_all(t + 101)
    station.unplug(1, t + 200)
    csms.call("UnlockConnector", v201.UnlockConnectorRequest(evse_id=1, connector_id=1), now=t + 201)
    csms.call("DataTransfer", v201.DataTransferRequest(vendor_id="com.example", data=[1, 2]), now=t + 202)
    station.send_data_transfer("com.example", "status", {"ok": True}, t + 203)
    csms.answer_all(t + 203)

    # 12:00 a transaction the CSMS refuses to take, then an immediate reset mid-session
    t = 12 * HOUR
    station.plug_in(1, t)
    station.present_id_token(1, "", "NoAuthorization", t)
    csms.answer_all(t, keep=("TransactionEvent",))
    csms.fail(csms.take("TransactionEvent"), "InternalError", now=t)
    csms.advance(t, t + 120)
    csms.call("Reset", v201.ResetRequest(type="Immediate"), now=t + 200)
    csms.answer_all(t + 200)
    assert any(isinstance(e, RebootRequested) for e in csms.drain_events())
    station.connected(t + 260)
    csms.answer_all(t + 260)
    csms.advance(t + 260, 24 * HOUR)

    actions = {call.action for call in csms.calls}
    assert actions >= {
        "BootNotification", "StatusNotification", "Heartbeat", "Authorize", "TransactionEvent", "NotifyEvent",
        "NotifyReport", "MeterValues", "DataTransfer", "LogStatusNotification", "FirmwareStatusNotification",
    }  # fmt: skip
    assert len(csms.log) > 200
    csms.assert_schema_valid()
