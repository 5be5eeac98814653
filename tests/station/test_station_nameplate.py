"""The device model describes the configured hardware: phases (0 on DC), EVSE power, vendor, model."""

from __future__ import annotations

import random

from fleet.station import Station, StationConfig


def test_a_dc_charger_supplies_no_ac_phases_and_reports_its_power() -> None:
    station = Station(
        StationConfig(
            "HPC-1", evse_count=2, current="DC", max_power_w=150_000.0, vendor_name="V", model="HPC"
        ),
        random.Random(1),
    )
    model = station.device_model
    assert model.get("ChargingStation", "SupplyPhases") == "0"
    assert model.get("ChargingStation", "Model") == "HPC"
    assert model.get("ChargingStation", "VendorName") == "V"
    for evse_id in (1, 2):
        assert model.get("EVSE", "SupplyPhases", evse_id=evse_id) == "0"
        assert model.get("Connector", "SupplyPhases", evse_id=evse_id, connector_id=1) == "0"
        assert model.get("Connector", "ConnectorType", evse_id=evse_id, connector_id=1) == "cCCS2"
        assert model.get("EVSE", "Power", evse_id=evse_id, attribute="MaxSet") == "150000"


def test_a_single_phase_wallbox_says_one_phase() -> None:
    station = Station(StationConfig("WB-1", phases=1, max_power_w=7_400.0), random.Random(1))
    model = station.device_model
    assert model.get("ChargingStation", "SupplyPhases") == "1"
    assert model.get("EVSE", "SupplyPhases", evse_id=1) == "1"
    assert model.get("EVSE", "Power", evse_id=1, attribute="MaxSet") == "7400"
    assert model.get("Connector", "ConnectorType", evse_id=1, connector_id=1) == "cType2"
