"""A DC station of a profile reports what a DC meter sees during real sessions: the EV battery's
voltage (rising with the SoC, 800 V class for 800 V cars), DC current with power = V x I, the SoC."""

from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest
from _profile_support import CAR, DAY, DC150, EPOCH, busy_profile, drive

from fleet.behaviour._battery import ChargingBattery
from fleet.behaviour._profile_schema import EvModel, Faults
from fleet.behaviour._profile_station import ProfileStation

FAST = msgspec.structs.replace(CAR, name="Fast800", pack_voltage_v=800.0)
DC_ONLY = msgspec.structs.replace(DC150, share=1.0)


def _samples(seed: int, ev_models: list[EvModel]) -> list[dict[str, float]]:
    profile = busy_profile(station_types=[DC_ONLY], ev_models=ev_models, faults=Faults())
    station = ProfileStation("DC-1", profile, DC_ONLY, random.Random(seed), start_at=0.0, epoch=EPOCH)
    out = drive(station, DAY)
    samples: list[dict[str, float]] = []
    for event in out.calls("TransactionEvent"):
        if event["triggerReason"] != "MeterValuePeriodic":
            continue
        values: list[dict[str, Any]] = event["meterValue"][0]["sampledValue"]
        assert all("phase" not in v for v in values)
        samples.append({v["measurand"]: float(v["value"]) for v in values})
    return samples


@pytest.mark.parametrize(("model", "low", "high"), [(CAR, 340.0, 420.0), (FAST, 690.0, 840.0)])
def test_dc_sessions_report_battery_voltage_and_dc_current(model: EvModel, low: float, high: float) -> None:
    samples = _samples(5, [msgspec.structs.replace(model, share=1.0)])
    charging = [s for s in samples if s["Power.Active.Import"] > 0]
    assert len(charging) > 20
    for sample in charging:
        volts, amps, watts = sample["Voltage"], sample["Current.Import"], sample["Power.Active.Import"]
        assert low <= volts <= high
        assert volts * amps == pytest.approx(watts, abs=volts * 5e-4 + 1e-3)
        assert 0.0 <= sample["SoC"] <= 100.0


def test_pack_voltage_rises_with_the_state_of_charge() -> None:
    empty, full = ChargingBattery(FAST, 0.0, 100.0), ChargingBattery(FAST, 100.0, 100.0)
    assert 690.0 < empty.voltage_v < full.voltage_v < 840.0
