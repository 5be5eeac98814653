"""Meter values inside TransactionEvent: periodic, clock-aligned, begin/end; honest late timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from _station_harness import EPOCH, boot, events_of, make_station, set_variable

from fleet.station import CallSucceeded

MEASURANDS = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC"


def _values(event: dict[str, Any]) -> dict[str, float]:
    return {v["measurand"]: v["value"] for v in event["meterValue"][0]["sampledValue"]}


def test_periodic_meter_values_integrate_power_and_derive_current() -> None:
    station = make_station(voltage_v=230.0, phases=3)
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "60")
    set_variable(station, "SampledDataCtrlr", "TxUpdatedMeasurands", MEASURANDS)
    set_variable(station, "AlignedDataCtrlr", "Interval", "0")
    csms = boot(station)
    power = 6_900.0
    station.set_ev_demand(1, power, 35.0, 0.0)
    station.plug_in(1, 0.0)
    station.present_id_token(1, "", "NoAuthorization", 0.0)
    csms.answer_all(0.0)
    csms.advance(0.0, 180.0)
    station.present_id_token(1, "", "NoAuthorization", 200.0)
    csms.answer_all(200.0)
    events = [c.payload for c in csms.sent_of("TransactionEvent")]
    periodic = [e for e in events if e["triggerReason"] == "MeterValuePeriodic"]
    assert len(periodic) == 3
    for n, event in enumerate(periodic, start=1):
        values = _values(event)
        assert event["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Periodic"
        assert abs(values["Energy.Active.Import.Register"] - power * 60 * n / 3600) < 0.01
        assert values["Power.Active.Import"] == power
        assert abs(values["Current.Import"] - power / (230.0 * 3)) < 0.001
        assert values["Voltage"] == 230.0 and values["SoC"] == 35.0
    begin = events[0]["meterValue"][0]["sampledValue"][0]
    assert begin["context"] == "Transaction.Begin" and begin["value"] == 0.0
    end = events[-1]["meterValue"][0]["sampledValue"][0]
    assert end["context"] == "Transaction.End"
    assert abs(end["value"] - power * 200 / 3600) < 0.01
    registers = [_values(e)["Energy.Active.Import.Register"] for e in periodic]
    assert registers == sorted(registers)
    csms.assert_schema_valid()


def test_clock_aligned_meter_values_fall_on_wall_clock_multiples_of_the_interval() -> None:
    station = make_station()
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "0")
    set_variable(station, "AlignedDataCtrlr", "Interval", "900")
    csms = boot(station, now=123.0)
    station.plug_in(1, 130.0)
    station.present_id_token(1, "", "NoAuthorization", 130.0)
    station.set_ev_demand(1, 3_600.0, None, 130.0)
    csms.answer_all(130.0)
    csms.advance(130.0, 3_000.0)
    clock = [
        c.payload for c in csms.sent_of("TransactionEvent") if c.payload["triggerReason"] == "MeterValueClock"
    ]
    assert len(clock) == 3  # 900, 1800, 2700 s after midnight
    for event in clock:
        stamp = datetime.fromisoformat(event["timestamp"]).timestamp()
        assert stamp % 900 == 0
        assert event["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"
    assert datetime.fromisoformat(clock[0]["timestamp"]).timestamp() == EPOCH + 900
    csms.assert_schema_valid()


def test_a_late_timer_keeps_the_intended_time_of_the_message() -> None:
    station = make_station()
    csms = boot(station)
    deadline = station.next_deadline()
    assert deadline == 300.0  # the heartbeat
    station.handle_timer(deadline + 42.0)  # the shell was late
    heartbeat = csms.take("Heartbeat")
    csms.answer(heartbeat, now=deadline + 43.0)
    done = [e for e in events_of(csms.drain_events(), CallSucceeded) if e.action == "Heartbeat"]
    assert [(e.intended_at, e.completed_at) for e in done] == [(deadline, deadline + 43.0)]
    # no catch-up burst: the next heartbeat is due a full interval of silence after the answer
    # (the grid tick at 600 would find the line busy until 343 and wait until 643 anyway)
    assert station.next_deadline() == 643.0
    station.handle_timer(642.9)
    assert csms.sent_of("Heartbeat") == [heartbeat]
