"""A station-wide maximum (2.0.1 ChargingStationMaxProfile on evseId 0, 1.6 ChargePointMaxProfile
on connectorId 0) limits the whole station: the EVSEs share it, the sum of their power never above
it. An EVSE that cannot use its equal share leaves the rest to the others; when one stops, the
others take its share."""

from __future__ import annotations

from _station16_harness import boot16, charge, make_station16
from _station_harness import FakeCsms, boot, make_station, wall

from fleet.ocpp import v16, v201
from fleet.station import Station, Station16
from fleet.station._station_share import share_station_limit

STATION_MAX_W = 5_000.0


def _station_max201(limit_w: float, profile_id: int = 1) -> v201.SetChargingProfileRequest:
    schedule = v201.ChargingSchedule(
        id=1,
        charging_rate_unit="W",
        start_schedule=wall(0.0),
        charging_schedule_period=[v201.ChargingSchedulePeriod(start_period=0, limit=limit_w)],
    )
    profile = v201.ChargingProfile(
        id=profile_id,
        stack_level=0,
        charging_profile_purpose="ChargingStationMaxProfile",
        charging_profile_kind="Absolute",
        charging_schedule=[schedule],
    )
    return v201.SetChargingProfileRequest(evse_id=0, charging_profile=profile)


def _station_max16(limit_w: float) -> v16.SetChargingProfileRequest:
    profile = v16.CsChargingProfiles(
        charging_profile_id=1,
        stack_level=0,
        charging_profile_purpose="ChargePointMaxProfile",
        charging_profile_kind="Absolute",
        charging_schedule=v16.ChargingSchedule(
            charging_rate_unit="W",
            start_schedule=wall(0.0),
            charging_schedule_period=[v16.ChargingSchedulePeriod(start_period=0, limit=limit_w)],
        ),
    )
    return v16.SetChargingProfileRequest(connector_id=0, cs_charging_profiles=profile)


def _powers(station: Station | Station16) -> list[float]:
    return [station.evse_state(evse_id).power_w for evse_id in (1, 2)]


def _two_charging201() -> tuple[Station, FakeCsms]:
    station = make_station(evse_count=2)
    csms = boot(station)
    for evse_id in (1, 2):
        station.set_ev_demand(evse_id, 11_000.0, None, 5.0)
        station.plug_in(evse_id, 5.0)
        station.present_id_token(evse_id, f"TOKEN{evse_id}", "ISO14443", 5.0)
    csms.answer_all(5.0)
    assert _powers(station) == [11_000.0, 11_000.0]
    return station, csms


def _two_charging16() -> tuple[Station16, FakeCsms]:
    station = make_station16(evse_count=2)
    csms = boot16(station)
    charge(station, csms, 5.0, connector=1, id_tag="TAG-1")
    charge(station, csms, 5.0, connector=2, id_tag="TAG-2")
    assert _powers(station) == [11_000.0, 11_000.0]
    return station, csms


def _check_sharing(station: Station | Station16, csms: FakeCsms) -> None:
    """The station maximum goes on while both EVSEs charge at 11 kW: they share it."""
    energy_before = sum(station.evse_state(evse_id).energy_wh for evse_id in (1, 2))
    assert _powers(station) == [STATION_MAX_W / 2, STATION_MAX_W / 2]
    # an hour on, the station as a whole metered no more than the maximum allows
    csms.advance(20.0, 3_620.0)
    after = [station.evse_state(evse_id) for evse_id in (1, 2)]
    energy_after = sum(state.energy_wh for state in after)
    hours = (min(state.metered_at or 0.0 for state in after) - 20.0) / 3600.0
    assert hours > 0.99
    assert abs(energy_after - energy_before - STATION_MAX_W * hours) < 1.0
    # EV 1 wants only 1 kW now: EVSE 2 gets the rest of the station's power
    station.set_ev_demand(1, 1_000.0, None, 3_630.0)
    assert _powers(station) == [1_000.0, 4_000.0]
    # EV 1 wants 11 kW again: an equal share each
    station.set_ev_demand(1, 11_000.0, None, 3_640.0)
    assert _powers(station) == [2_500.0, 2_500.0]
    # EV 2 stops drawing (full): EVSE 1 takes the whole station maximum
    station.set_ev_demand(2, 0.0, None, 3_650.0)
    assert _powers(station) == [STATION_MAX_W, 0.0]
    assert station.evse_state(2).charging_state in ("SuspendedEV", "SuspendedEVSE", "Charging")
    assert station.charging_limit_w(1) == STATION_MAX_W
    csms.assert_schema_valid()


def test_a_station_maximum_is_shared_by_the_evses_of_a_201_station() -> None:
    station, csms = _two_charging201()
    reply = csms.call("SetChargingProfile", _station_max201(STATION_MAX_W), 20.0)
    csms.answer_all(20.0)
    assert reply[2] == {"status": "Accepted"}
    _check_sharing(station, csms)
    assert station.evse_state(2).charging_state == "SuspendedEV"


def test_a_station_maximum_is_shared_by_the_connectors_of_a_16_station() -> None:
    station, csms = _two_charging16()
    reply = csms.call("SetChargingProfile", _station_max16(STATION_MAX_W), 20.0)
    csms.answer_all(20.0)
    assert reply[2] == {"status": "Accepted"}
    _check_sharing(station, csms)
    assert station.evse_state(2).connector_status == "SuspendedEV"


def test_a_201_session_ending_leaves_its_share_to_the_other_evse() -> None:
    station, csms = _two_charging201()
    csms.call("SetChargingProfile", _station_max201(STATION_MAX_W), 20.0)
    csms.answer_all(20.0)
    assert _powers(station) == [2_500.0, 2_500.0]
    station.present_id_token(2, "TOKEN2", "ISO14443", 30.0)  # the driver stops the session
    csms.answer_all(30.0)
    assert station.evse_state(2).transaction_id is None
    assert _powers(station) == [STATION_MAX_W, 0.0]
    # the maximum is cleared: EVSE 1 is back at its EV's 11 kW
    cleared = csms.call("ClearChargingProfile", v201.ClearChargingProfileRequest(charging_profile_id=1), 40.0)
    csms.answer_all(40.0)
    assert cleared[2] == {"status": "Accepted"}
    assert _powers(station) == [11_000.0, 0.0]
    csms.assert_schema_valid()


def test_a_16_session_ending_leaves_its_share_to_the_other_connector() -> None:
    station, csms = _two_charging16()
    csms.call("SetChargingProfile", _station_max16(STATION_MAX_W), 20.0)
    csms.answer_all(20.0)
    station.present_id_token(2, "TAG-2", "ISO14443", 30.0)  # the same card again stops it
    csms.answer_all(30.0)
    assert station.evse_state(2).transaction_id is None
    assert _powers(station) == [STATION_MAX_W, 0.0]
    csms.assert_schema_valid()


def test_the_split_gives_equal_shares_and_leaves_what_one_cannot_use_to_the_others() -> None:
    assert share_station_limit(9_000.0, {1: 11_000.0, 2: 11_000.0, 3: 11_000.0}) == {
        1: 3_000.0,
        2: 3_000.0,
        3: 3_000.0,
    }
    assert share_station_limit(9_000.0, {1: 1_000.0, 2: 11_000.0, 3: 0.0, 4: 2_000.0}) == {
        1: 1_000.0,
        4: 2_000.0,
        2: 6_000.0,
    }
    assert share_station_limit(0.0, {1: 5_000.0}) == {1: 0.0}
    assert share_station_limit(20_000.0, {1: 5_000.0, 2: 7_000.0}) == {1: 5_000.0, 2: 7_000.0}
