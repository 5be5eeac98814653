"""DC stations report the DC side: the EV battery's voltage, DC amperes, power = V x I, no phases,
the SoC; in both cores (OCPP 2.0.1 and 1.6)."""

from __future__ import annotations

from typing import Any

import pytest
from _station16_harness import boot16, make_station16
from _station_harness import boot, make_station, set_variable

from fleet.ocpp import LocalProtocolError, v16, v201

MEASURANDS = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC"


def _check_dc_sample(values: list[dict[str, Any]], volts: float, watts: float, soc: float) -> None:
    by_measurand = {v["measurand"]: float(v["value"]) for v in values}
    assert all("phase" not in v for v in values)  # no L1..L3 on the DC side
    assert by_measurand["Voltage"] == volts
    assert by_measurand["Power.Active.Import"] == watts
    # within the rounding of the current (3 decimals) times the voltage
    assert by_measurand["Voltage"] * by_measurand["Current.Import"] == pytest.approx(
        watts, abs=volts * 5e-4 + 1e-3
    )
    assert by_measurand["SoC"] == soc


def test_a_dc_station_reports_battery_voltage_and_dc_current() -> None:
    station = make_station(current="DC", max_power_w=150_000.0)
    set_variable(station, "SampledDataCtrlr", "TxUpdatedMeasurands", MEASURANDS)
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "60")
    csms = boot(station)
    station.set_ev_demand(1, 120_000.0, 42.0, 0.0, dc_voltage_v=393.77)
    station.plug_in(1, 0.0)
    station.present_id_token(1, "", "NoAuthorization", 0.0)
    csms.answer_all(0.0)
    csms.advance(0.0, 61.0)
    periodic = [
        c.payload
        for c in csms.sent_of("TransactionEvent")
        if c.payload["triggerReason"] == "MeterValuePeriodic"
    ]
    assert len(periodic) == 1
    values = periodic[0]["meterValue"][0]["sampledValue"]
    _check_dc_sample(values, 393.8, 120_000.0, 42.0)
    current = next(v["value"] for v in values if v["measurand"] == "Current.Import")
    assert 300 < current < 310  # ~305 A DC, not 174 A per phase of a 230 V grid
    csms.assert_schema_valid()


def test_an_idle_dc_station_has_no_dc_link_voltage_to_report() -> None:
    station = make_station(current="DC", max_power_w=50_000.0)
    set_variable(station, "AlignedDataCtrlr", "Measurands", MEASURANDS)
    csms = boot(station)
    station.set_ev_demand(1, 0.0, None, 1.0)
    reply = csms.call(
        "TriggerMessage",
        v201.TriggerMessageRequest(requested_message="MeterValues", evse=v201.EVSE(id=1)),
        2.0,
    )
    assert reply[2]["status"] == "Accepted"
    csms.answer_all(2.0)
    sampled = csms.sent_of("MeterValues")[-1].payload["meterValue"][0]["sampledValue"]
    measurands = {v["measurand"] for v in sampled}
    assert "Voltage" not in measurands  # no EV, no battery: nothing on the DC link
    csms.assert_schema_valid()


def test_an_ac_station_refuses_a_dc_voltage() -> None:
    station = make_station()
    with pytest.raises(LocalProtocolError, match="dc_voltage_v"):
        station.set_ev_demand(1, 11_000.0, None, 0.0, dc_voltage_v=400.0)


def test_a_dc_station_speaking_ocpp16_reports_the_same_dc_side() -> None:
    station = make_station16(current="DC", max_power_w=150_000.0)
    csms = boot16(station)
    reply = csms.call(
        "ChangeConfiguration",
        v16.ChangeConfigurationRequest(key="MeterValuesSampledData", value=MEASURANDS),
        0.0,
    )
    assert reply[2]["status"] == "Accepted"
    station.set_ev_demand(1, 95_000.0, 61.0, 0.0, dc_voltage_v=768.0)
    station.plug_in(1, 0.0)
    station.present_id_token(1, "TAG-DC", "ISO14443", 0.0)
    csms.answer_all(0.0)
    csms.advance(0.0, 61.0)
    samples = [
        c.payload["meterValue"][0]["sampledValue"]
        for c in csms.sent_of("MeterValues")
        if c.payload["meterValue"][0]["sampledValue"][0].get("context") == "Sample.Periodic"
    ]
    assert samples
    _check_dc_sample(samples[0], 768.0, 95_000.0, 61.0)
    csms.assert_schema_valid()
