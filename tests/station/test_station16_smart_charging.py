"""OCPP 1.6 charging profiles: the limit they give is what the EV gets, and the meter values show it."""

from __future__ import annotations

from _station16_harness import boot16, charge, make_station16
from _station_harness import FakeCsms

from fleet.ocpp import v16
from fleet.station import Station16


def _profile(
    profile_id: int,
    purpose: v16.ChargingProfilePurposeEnum,
    periods: list[tuple[int, float]],
    *,
    unit: v16.ChargingRateUnitEnum = "W",
    stack_level: int = 0,
    kind: v16.ChargingProfileKindEnum = "Relative",
) -> v16.CsChargingProfiles:
    return v16.CsChargingProfiles(
        charging_profile_id=profile_id,
        stack_level=stack_level,
        charging_profile_purpose=purpose,
        charging_profile_kind=kind,
        charging_schedule=v16.ChargingSchedule(
            charging_rate_unit=unit,
            charging_schedule_period=[
                v16.ChargingSchedulePeriod(start_period=start, limit=limit) for start, limit in periods
            ],
        ),
    )


def _set(csms: FakeCsms, connector: int, profile: v16.CsChargingProfiles, now: float) -> str:
    request = v16.SetChargingProfileRequest(connector_id=connector, cs_charging_profiles=profile)
    status: str = csms.call("SetChargingProfile", request, now)[2]["status"]
    csms.answer_all(now)
    return status


def _power_in_last_meter_value(csms: FakeCsms) -> float:
    sampled = csms.sent_of("MeterValues")[-1].payload["meterValue"][0]["sampledValue"]
    return next(float(v["value"]) for v in sampled if v["measurand"] == "Power.Active.Import")


def _charging(station: Station16) -> FakeCsms:
    csms = boot16(station)
    charge(station, csms, 10.0)
    return csms


def test_a_7_kw_tx_profile_caps_the_power_in_the_meter_values_until_cleared() -> None:
    station = make_station16()
    csms = _charging(station)
    assert _set(csms, 1, _profile(1, "TxProfile", [(0, 7_000.0)]), 20.0) == "Accepted"
    assert station.evse_state(1).power_w == 7_000.0 and station.charging_limit_w(1) == 7_000.0
    csms.advance(20.0, 80.0)
    assert _power_in_last_meter_value(csms) == 7_000.0
    cleared = csms.call("ClearChargingProfile", v16.ClearChargingProfileRequest(id=1), 90.0)
    assert cleared[2] == {"status": "Accepted"}
    csms.answer_all(90.0)
    csms.advance(90.0, 140.0)
    assert _power_in_last_meter_value(csms) == 11_000.0
    again = csms.call("ClearChargingProfile", v16.ClearChargingProfileRequest(id=1), 150.0)
    assert again[2] == {"status": "Unknown"}
    csms.assert_schema_valid()


def test_periods_of_a_default_profile_change_the_limit_over_time_and_zero_suspends() -> None:
    station = make_station16()
    csms = boot16(station)
    # amperes: 16 A x 230 V x 3 phases = 11,040 W, then 0 A from 300 s into the transaction
    profile = _profile(5, "TxDefaultProfile", [(0, 10.0), (300, 0.0)], unit="A")
    assert _set(csms, 0, profile, 1.0) == "Accepted"
    charge(station, csms, 10.0)
    assert station.evse_state(1).power_w == 10.0 * 230 * 3
    csms.advance(10.0, 400.0)
    assert station.evse_state(1).connector_status == "SuspendedEVSE"
    assert station.evse_state(1).power_w == 0.0
    composite = csms.call(
        "GetCompositeSchedule",
        v16.GetCompositeScheduleRequest(connector_id=1, duration=600, charging_rate_unit="W"),
        400.0,
    )[2]
    assert composite["status"] == "Accepted"
    assert composite["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 0.0}]
    csms.assert_schema_valid()


def test_a_station_max_profile_caps_every_connector_and_stacking_picks_the_highest_level() -> None:
    station = make_station16(evse_count=2)
    csms = _charging(station)
    absolute = dict(kind="Absolute")
    assert _set(csms, 0, _profile(7, "ChargePointMaxProfile", [(0, 9_000.0)], **absolute), 20.0) == "Accepted"  # type: ignore[arg-type]
    assert station.evse_state(1).power_w == 9_000.0
    assert _set(csms, 1, _profile(8, "TxProfile", [(0, 4_000.0)], stack_level=1), 21.0) == "Accepted"
    assert _set(csms, 1, _profile(9, "TxProfile", [(0, 6_000.0)], stack_level=2), 22.0) == "Accepted"
    assert station.evse_state(1).power_w == 6_000.0
    composite = csms.call(
        "GetCompositeSchedule", v16.GetCompositeScheduleRequest(connector_id=1, duration=60), 23.0
    )[2]
    assert composite["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 6_000.0}]
    # refusals: a TxProfile without a transaction, a station max profile on a connector, a deep stack
    assert _set(csms, 2, _profile(10, "TxProfile", [(0, 1.0)]), 24.0) == "Rejected"
    assert _set(csms, 1, _profile(11, "ChargePointMaxProfile", [(0, 1.0)]), 24.0) == "Rejected"
    assert _set(csms, 1, _profile(12, "TxProfile", [(0, 1.0)], stack_level=99), 24.0) == "Rejected"
    station.unplug(1, 30.0)
    csms.answer_all(30.0)
    assert [entry.profile.charging_profile_id for entry in station.charging_profiles.installed] == [7]
    csms.assert_schema_valid()


def test_remote_start_with_a_charging_profile_applies_it_to_that_transaction() -> None:
    station = make_station16()
    csms = boot16(station)
    station.plug_in(1, 1.0)
    station.set_ev_demand(1, 11_000.0, None, 1.0)
    csms.answer_all(1.0)
    profile = v16.ChargingProfile(
        charging_profile_id=3,
        stack_level=0,
        charging_profile_purpose="TxProfile",
        charging_profile_kind="Relative",
        charging_schedule=v16.ChargingSchedule(
            charging_rate_unit="W",
            charging_schedule_period=[v16.ChargingSchedulePeriod(start_period=0, limit=3_700.0)],
        ),
    )
    reply = csms.call(
        "RemoteStartTransaction",
        v16.RemoteStartTransactionRequest(id_tag="APP", charging_profile=profile),
        2.0,
    )
    assert reply[2] == {"status": "Accepted"}
    csms.answer_all(2.0)
    assert station.evse_state(1).power_w == 3_700.0
    csms.assert_schema_valid()
