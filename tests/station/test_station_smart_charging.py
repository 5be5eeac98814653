"""OCPP 2.0.1 smart charging: the profiles a CSMS sets are what the EV gets, and the meter values
show it; stacking, purposes, units, recurrence, validity, clearing, reporting, composites."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from _station_harness import FakeCsms, boot, make_station, set_variable, wall

from fleet.ocpp import v201
from fleet.station import Station

MEASURANDS = "Energy.Active.Import.Register,Power.Active.Import"


def _profile(
    profile_id: int,
    purpose: v201.ChargingProfilePurposeEnum,
    periods: list[tuple[int, float]],
    *,
    unit: v201.ChargingRateUnitEnum = "W",
    stack_level: int = 0,
    kind: v201.ChargingProfileKindEnum = "Relative",
    transaction_id: str | None = None,
    start_at: float | None = None,
    recurrency: v201.RecurrencyKindEnum | None = None,
    valid: tuple[float, float] | None = None,
    phases: int | None = None,
) -> v201.ChargingProfile:
    return v201.ChargingProfile(
        id=profile_id,
        stack_level=stack_level,
        charging_profile_purpose=purpose,
        charging_profile_kind=kind,
        recurrency_kind=recurrency if recurrency is not None else msgspec.UNSET,
        valid_from=wall(valid[0]) if valid is not None else msgspec.UNSET,
        valid_to=wall(valid[1]) if valid is not None else msgspec.UNSET,
        transaction_id=transaction_id if transaction_id is not None else msgspec.UNSET,
        charging_schedule=[
            v201.ChargingSchedule(
                id=profile_id,
                charging_rate_unit=unit,
                start_schedule=wall(start_at) if start_at is not None else msgspec.UNSET,
                charging_schedule_period=[
                    v201.ChargingSchedulePeriod(
                        start_period=start,
                        limit=limit,
                        number_phases=phases if phases is not None else msgspec.UNSET,
                    )
                    for start, limit in periods
                ],
            )
        ],
    )


def _set(csms: FakeCsms, evse_id: int, profile: v201.ChargingProfile, now: float) -> dict[str, Any]:
    request = v201.SetChargingProfileRequest(evse_id=evse_id, charging_profile=profile)
    reply: dict[str, Any] = csms.call("SetChargingProfile", request, now)[2]
    csms.answer_all(now)
    return reply


def _meter_powers(csms: FakeCsms) -> list[tuple[str, float]]:
    """(timestamp, Power.Active.Import) of every TransactionEvent meter value that has one."""
    powers = []
    for call in csms.sent_of("TransactionEvent"):
        for meter_value in call.payload.get("meterValue", []):
            for sampled in meter_value["sampledValue"]:
                if sampled.get("measurand") == "Power.Active.Import":
                    powers.append((meter_value["timestamp"], float(sampled["value"])))
    return powers


def _charging(station: Station, demand_w: float = 11_000.0) -> tuple[FakeCsms, str]:
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "60")
    set_variable(station, "SampledDataCtrlr", "TxUpdatedMeasurands", MEASURANDS)
    set_variable(station, "AlignedDataCtrlr", "Interval", "0")
    csms = boot(station)
    station.set_ev_demand(1, demand_w, None, 5.0)
    station.plug_in(1, 5.0)
    station.present_id_token(1, "AABBCCDD", "ISO14443", 5.0)
    csms.answer_all(5.0)
    transaction_id = station.evse_state(1).transaction_id
    assert transaction_id is not None and station.evse_state(1).power_w == demand_w
    return csms, transaction_id


def test_a_7_kw_tx_profile_caps_meter_values_and_a_later_period_lowers_them_at_its_boundary() -> None:
    station = make_station()
    csms, tx_id = _charging(station)
    # from the transaction's start (t=5): 7 kW, then 3.7 kW from 300 s on (t=305)
    profile = _profile(1, "TxProfile", [(0, 7_000.0), (300, 3_700.0)], transaction_id=tx_id)
    assert _set(csms, 1, profile, 20.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 7_000.0 and station.charging_limit_w(1) == 7_000.0
    # the station re-evaluates at the boundary itself: a timer, not the next meter value
    assert station.next_deadline() is not None
    csms.advance(20.0, 304.0)
    assert station.evse_state(1).power_w == 7_000.0
    csms.advance(304.0, 305.0)
    assert station.evse_state(1).power_w == 3_700.0
    csms.advance(305.0, 400.0)
    # periodic meter values every 60 s from the start at t=5: the EV asks 11 kW throughout
    expected = {wall(t): 7_000.0 for t in (65.0, 125.0, 185.0, 245.0)} | {
        wall(305.0): 3_700.0,
        wall(365.0): 3_700.0,
    }
    seen = {datetime.fromisoformat(stamp): power for stamp, power in _meter_powers(csms)}
    assert seen == expected
    # energy follows the capped power up to the last sample (t=365): 15 s at 11 kW, 285 s at
    # 7 kW, 60 s at 3.7 kW
    expected_wh = (15 * 11_000 + 285 * 7_000 + 60 * 3_700) / 3600
    assert abs(station.evse_state(1).energy_wh - expected_wh) < 0.5
    csms.assert_schema_valid()


def test_the_tx_profile_goes_with_its_transaction_and_needs_one_to_be_set() -> None:
    station = make_station(evse_count=2)
    csms, tx_id = _charging(station)
    refused = _set(csms, 2, _profile(2, "TxProfile", [(0, 5_000.0)], transaction_id=tx_id), 10.0)
    assert refused["status"] == "Rejected" and refused["statusInfo"]["reasonCode"] == "TxNotFound"
    assert _set(csms, 1, _profile(2, "TxProfile", [(0, 5_000.0)]), 10.0)["status"] == "Rejected"
    assert _set(csms, 1, _profile(2, "TxProfile", [(0, 5_000.0)], transaction_id=tx_id), 10.0) == {
        "status": "Accepted"
    }
    assert station.evse_state(1).power_w == 5_000.0
    station.present_id_token(1, "AABBCCDD", "ISO14443", 50.0)  # the driver stops
    csms.answer_all(50.0)
    listed = csms.call("GetChargingProfiles", _criteria(7), 60.0)[2]
    assert listed == {"status": "NoProfiles"}
    csms.assert_schema_valid()


def _criteria(request_id: int, **fields: Any) -> v201.GetChargingProfilesRequest:
    evse_id = fields.pop("evse_id", msgspec.UNSET)
    return v201.GetChargingProfilesRequest(
        request_id=request_id, charging_profile=v201.ChargingProfileCriterion(**fields), evse_id=evse_id
    )


def test_stacking_purposes_and_the_station_maximum() -> None:
    station = make_station(evse_count=2)
    csms, tx_id = _charging(station)
    station_max = _profile(10, "ChargingStationMaxProfile", [(0, 9_000.0)], kind="Absolute", start_at=0.0)
    assert _set(csms, 0, station_max, 10.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 9_000.0
    # TxDefault on all EVSEs (evse 0) at levels 1 and 2: the higher level wins
    assert _set(csms, 0, _profile(11, "TxDefaultProfile", [(0, 4_000.0)], stack_level=1), 11.0) == {
        "status": "Accepted"
    }
    assert _set(csms, 0, _profile(12, "TxDefaultProfile", [(0, 6_000.0)], stack_level=2), 12.0) == {
        "status": "Accepted"
    }
    assert station.evse_state(1).power_w == 6_000.0
    # a TxProfile replaces the default ones, but the station maximum still caps it
    tx_profile = _profile(13, "TxProfile", [(0, 10_000.0)], transaction_id=tx_id)
    assert _set(csms, 1, tx_profile, 13.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 9_000.0
    # the same purpose and level again (another id) is a duplicate; the same id replaces
    duplicate = _set(csms, 0, _profile(14, "TxDefaultProfile", [(0, 1.0)], stack_level=2), 14.0)
    assert duplicate["statusInfo"]["reasonCode"] == "DuplicateProfile"
    replaced = _profile(10, "ChargingStationMaxProfile", [(0, 8_000.0)], kind="Absolute", start_at=0.0)
    assert _set(csms, 0, replaced, 15.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 8_000.0
    # refusals: a station maximum on an EVSE, a stack level beyond ProfileStackLevel, bad periods
    refusals = [
        (1, _profile(15, "ChargingStationMaxProfile", [(0, 1.0)], kind="Absolute", start_at=0.0)),
        (0, _profile(16, "TxDefaultProfile", [(0, 1.0)], stack_level=11)),
        (0, _profile(17, "TxDefaultProfile", [(10, 1.0)])),
        (3, _profile(18, "TxDefaultProfile", [(0, 1.0)])),
        (0, _profile(19, "TxDefaultProfile", [(0, 1.0)], kind="Recurring", recurrency="Daily")),
    ]
    for evse_id, profile in refusals:
        assert _set(csms, evse_id, profile, 16.0)["status"] == "Rejected", profile.id
    # GetChargingProfiles reports per EVSE, filtered by the criteria
    assert csms.call("GetChargingProfiles", _criteria(1), 20.0)[2] == {"status": "Accepted"}
    csms.answer_all(20.0)
    reports = [call.payload for call in csms.sent_of("ReportChargingProfiles")]
    assert [(r["evseId"], sorted(p["id"] for p in r["chargingProfile"])) for r in reports] == [
        (0, [10, 11, 12]),
        (1, [13]),
    ]
    assert reports[0]["tbc"] is True and "tbc" not in reports[1]
    filtered = _criteria(2, charging_profile_purpose="TxDefaultProfile", stack_level=1)
    assert csms.call("GetChargingProfiles", filtered, 21.0)[2] == {"status": "Accepted"}
    csms.answer_all(21.0)
    last = csms.sent_of("ReportChargingProfiles")[-1].payload
    assert last["requestId"] == 2 and [p["id"] for p in last["chargingProfile"]] == [11]
    # ClearChargingProfile by criteria, then by id; unknown ones say so
    clear_defaults = v201.ClearChargingProfileRequest(
        charging_profile_criteria=v201.ClearChargingProfile(charging_profile_purpose="TxDefaultProfile")
    )
    assert csms.call("ClearChargingProfile", clear_defaults, 30.0)[2] == {"status": "Accepted"}
    assert csms.call("ClearChargingProfile", v201.ClearChargingProfileRequest(charging_profile_id=13), 31.0)[
        2
    ] == {"status": "Accepted"}
    csms.answer_all(31.0)
    assert station.evse_state(1).power_w == 8_000.0  # only the station maximum is left
    again = csms.call("ClearChargingProfile", v201.ClearChargingProfileRequest(charging_profile_id=13), 32.0)
    assert again[2] == {"status": "Unknown"}
    csms.assert_schema_valid()


def test_amperes_are_converted_with_voltage_and_phases_and_zero_suspends_the_evse() -> None:
    station = make_station(voltage_v=230.0, phases=3)
    csms, tx_id = _charging(station)
    assert _set(csms, 1, _profile(1, "TxProfile", [(0, 10.0)], unit="A", transaction_id=tx_id), 10.0) == {
        "status": "Accepted"
    }
    assert station.evse_state(1).power_w == 10.0 * 230.0 * 3
    one_phase = _profile(1, "TxProfile", [(0, 16.0), (100, 0.0)], unit="A", transaction_id=tx_id, phases=1)
    assert _set(csms, 1, one_phase, 20.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 16.0 * 230.0
    csms.advance(20.0, 110.0)
    state = station.evse_state(1)
    assert state.power_w == 0.0 and state.charging_state == "SuspendedEVSE"
    suspended = csms.sent_of("TransactionEvent")[-1].payload
    assert suspended["triggerReason"] == "ChargingRateChanged"
    assert suspended["transactionInfo"]["chargingState"] == "SuspendedEVSE"
    csms.assert_schema_valid()


def test_recurring_daily_profile_and_validity_window() -> None:
    station = make_station()
    csms, _ = _charging(station)
    # every day from t=0: 5 kW for the first hour, 2 kW after; valid only until t=2 h
    daily = _profile(
        3,
        "TxDefaultProfile",
        [(0, 5_000.0), (3_600, 2_000.0)],
        kind="Recurring",
        recurrency="Daily",
        start_at=0.0,
        valid=(0.0, 7_200.0),
    )
    assert _set(csms, 0, daily, 10.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 5_000.0
    csms.advance(10.0, 3_600.0)
    assert station.evse_state(1).power_w == 2_000.0
    csms.advance(3_600.0, 7_200.0)
    assert station.evse_state(1).power_w == 11_000.0  # the profile expired: no limit
    csms.assert_schema_valid()


def test_recurrence_starts_a_new_cycle_each_day() -> None:
    station = make_station()
    csms, _ = _charging(station)
    daily = _profile(4, "TxDefaultProfile", [(0, 2_000.0), (60, 6_000.0)], kind="Recurring",
                     recurrency="Daily", start_at=0.0)  # fmt: skip
    assert _set(csms, 0, daily, 10.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 2_000.0
    csms.advance(10.0, 86_399.0, answer=True)
    assert station.evse_state(1).power_w == 6_000.0
    csms.advance(86_399.0, 86_400.0)
    assert station.evse_state(1).power_w == 2_000.0
    csms.assert_schema_valid()


def test_composite_schedule_merges_profiles_over_the_window_in_the_asked_unit() -> None:
    station = make_station(voltage_v=230.0, phases=3)
    csms, tx_id = _charging(station)
    station_max = _profile(1, "ChargingStationMaxProfile", [(0, 9_000.0)], kind="Absolute", start_at=0.0)
    _set(csms, 0, station_max, 5.0)
    _set(csms, 1, _profile(2, "TxProfile", [(0, 11_000.0), (600, 4_600.0)], transaction_id=tx_id), 5.0)
    request = v201.GetCompositeScheduleRequest(duration=1_200, evse_id=1, charging_rate_unit="W")
    reply = csms.call("GetCompositeSchedule", request, 5.0)[2]
    assert reply["status"] == "Accepted"
    schedule = reply["schedule"]
    assert schedule["evseId"] == 1 and schedule["duration"] == 1_200 and schedule["chargingRateUnit"] == "W"
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 9_000.0},
        {"startPeriod": 600, "limit": 4_600.0},
    ]
    in_amperes = v201.GetCompositeScheduleRequest(duration=1_200, evse_id=1, charging_rate_unit="A")
    periods = csms.call("GetCompositeSchedule", in_amperes, 5.0)[2]["schedule"]["chargingSchedulePeriod"]
    assert periods == [
        {"startPeriod": 0, "limit": round(9_000.0 / 690, 1)},
        {"startPeriod": 600, "limit": round(4_600.0 / 690, 1)},
    ]
    station_wide = v201.GetCompositeScheduleRequest(duration=60, evse_id=0)
    periods = csms.call("GetCompositeSchedule", station_wide, 5.0)[2]["schedule"]["chargingSchedulePeriod"]
    assert periods == [{"startPeriod": 0, "limit": 9_000.0}]
    unknown = csms.call("GetCompositeSchedule", v201.GetCompositeScheduleRequest(duration=60, evse_id=9), 5.0)
    assert unknown[2]["status"] == "Rejected"
    csms.assert_schema_valid()


def test_a_future_absolute_profile_starts_limiting_at_its_start_time() -> None:
    station = make_station()
    csms, _ = _charging(station)
    later = _profile(5, "TxDefaultProfile", [(0, 3_000.0)], kind="Absolute", start_at=1_000.0)
    assert _set(csms, 0, later, 10.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 11_000.0
    csms.advance(10.0, 1_000.0)
    assert station.evse_state(1).power_w == 3_000.0
    assert wall(1_000.0) - wall(0.0) == timedelta(seconds=1_000)
    csms.assert_schema_valid()


def test_smart_charging_disabled_refuses_profiles() -> None:
    station = make_station()
    set_variable(station, "SmartChargingCtrlr", "Enabled", "false")
    csms = boot(station)
    reply = _set(csms, 0, _profile(1, "TxDefaultProfile", [(0, 1_000.0)]), 1.0)
    assert reply["status"] == "Rejected" and reply["statusInfo"]["reasonCode"] == "NotEnabled"
    csms.assert_schema_valid()
