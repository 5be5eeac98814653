"""OCPP 2.0.1: a charging profile carries up to three charging schedules (ISO 15118 alternatives
for the EV to choose from). The station checks every one, and with no EV here to choose, the
lowest limit of those in force applies: the station never exceeds any of them."""

from __future__ import annotations

from typing import Any

from _station_harness import FakeCsms, boot, make_station

from fleet.ocpp import v201
from fleet.station import Station


def _schedule(schedule_id: int, periods: list[tuple[int, float]]) -> v201.ChargingSchedule:
    return v201.ChargingSchedule(
        id=schedule_id,
        charging_rate_unit="W",
        charging_schedule_period=[
            v201.ChargingSchedulePeriod(start_period=start, limit=limit) for start, limit in periods
        ],
    )


def _tx_profile(
    transaction_id: str, schedules: list[v201.ChargingSchedule]
) -> v201.SetChargingProfileRequest:
    profile = v201.ChargingProfile(
        id=7,
        stack_level=0,
        charging_profile_purpose="TxProfile",
        charging_profile_kind="Relative",
        transaction_id=transaction_id,
        charging_schedule=schedules,
    )
    return v201.SetChargingProfileRequest(evse_id=1, charging_profile=profile)


def _charging() -> tuple[Station, FakeCsms, str]:
    station = make_station()
    csms = boot(station)
    station.set_ev_demand(1, 11_000.0, None, 5.0)
    station.plug_in(1, 5.0)
    station.present_id_token(1, "AABBCCDD", "ISO14443", 5.0)
    csms.answer_all(5.0)
    transaction_id = station.evse_state(1).transaction_id
    assert transaction_id is not None
    return station, csms, transaction_id


def _set(csms: FakeCsms, request: v201.SetChargingProfileRequest, now: float) -> dict[str, Any]:
    reply: dict[str, Any] = csms.call("SetChargingProfile", request, now)[2]
    csms.answer_all(now)
    return reply


def test_every_schedule_of_a_profile_limits_the_evse() -> None:
    station, csms, tx_id = _charging()
    # schedule 1: 7 kW, then 3 kW from 600 s into the transaction; schedule 2: 5 kW throughout
    first = _schedule(1, [(0, 7_000.0), (600, 3_000.0)])
    second = _schedule(2, [(0, 5_000.0)])
    assert _set(csms, _tx_profile(tx_id, [first, second]), 20.0) == {"status": "Accepted"}
    assert station.evse_state(1).power_w == 5_000.0  # the second is lower now
    csms.advance(20.0, 606.0)
    assert station.evse_state(1).power_w == 3_000.0  # the first is lower from its second period on
    csms.assert_schema_valid()


def test_a_bad_second_schedule_refuses_the_profile_and_says_which() -> None:
    station, csms, tx_id = _charging()
    bad = _schedule(2, [(60, 5_000.0)])  # does not start at 0
    reply = _set(csms, _tx_profile(tx_id, [_schedule(1, [(0, 7_000.0)]), bad]), 20.0)
    assert reply["status"] == "Rejected" and reply["statusInfo"]["reasonCode"] == "InvalidSchedule"
    assert reply["statusInfo"]["additionalInfo"].startswith(
        "chargingSchedule[1] (id 2): periods must start at 0"
    )
    assert station.evse_state(1).power_w == 11_000.0
    csms.assert_schema_valid()
