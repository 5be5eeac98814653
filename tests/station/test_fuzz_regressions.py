"""Frames found while fuzzing (bench/fuzz_frames.py, bench/README.md "Fuzzing") that broke a station
core, each replayed exactly as it was found: a configuration integer the station accepted and then
could not use (OverflowError out of ``receive`` and ``handle_timer``, ValueError out of ``receive``)."""

from __future__ import annotations

import json

import pytest
from _station16_harness import boot16, make_station16
from _station_harness import boot, events_of, make_station

from fleet.ocpp import v201
from fleet.station import TransactionStarted

HUGE = "1" + "0" * 400  # a valid JSON string of digits: 10**400


def _set_variable_frame(component: str, variable: str, value: str, instance: str | None = None) -> str:
    name: dict[str, str] = {"name": variable} | ({"instance": instance} if instance else {})
    data = {"attributeValue": value, "component": {"name": component}, "variable": name}
    return json.dumps([2, "sv1", "SetVariables", {"setVariableData": [data]}])


@pytest.mark.parametrize(
    ("component", "variable", "instance"),
    [
        ("OCPPCommCtrlr", "HeartbeatInterval", None),
        ("OCPPCommCtrlr", "MessageTimeout", "Default"),
        ("SampledDataCtrlr", "TxUpdatedInterval", None),
        ("AlignedDataCtrlr", "Interval", None),
    ],
)
def test_an_interval_beyond_32_bits_is_refused_not_crashing_the_timers(
    component: str, variable: str, instance: str | None
) -> None:
    # was: Accepted, then OverflowError (int too large to convert to float) arming the timer
    station = make_station(evse_count=2)
    csms = boot(station)
    csms.feed_untrusted(_set_variable_frame(component, variable, HUGE, instance), 1.0)
    (result,) = csms.replies["sv1"][2]["setVariableResult"]
    assert result["attributeStatus"] == "Rejected"
    assert result["attributeStatusInfo"]["reasonCode"] == "OutOfRange"
    station.plug_in(1, 2.0)
    station.present_id_token(1, "", "NoAuthorization", 2.0)
    csms.answer_all(3.0)
    csms.advance(3.0, 5000.0)  # the timers keep running: the transaction's updates go out
    assert len(csms.sent_of("TransactionEvent")) > 2
    csms.assert_schema_valid()


def test_a_huge_auth_cache_lifetime_is_refused_and_the_cache_still_decides_offline() -> None:
    # was: Accepted, then OverflowError (timedelta(seconds=lifetime)) out of present_id_token
    # once the station, offline, looked the token up in its authorization cache
    station = make_station(evse_count=2)
    csms = boot(station)
    csms.feed_untrusted(_set_variable_frame("AuthCacheCtrlr", "LifeTime", "9" * 30), 1.0)
    assert csms.replies["sv1"][2]["setVariableResult"][0]["attributeStatus"] == "Rejected"
    station.present_id_token(1, "CARD", "ISO14443", 2.0)
    accepted = v201.AuthorizeResponse(id_token_info=v201.IdTokenInfo(status="Accepted"))
    csms.answer(csms.take("Authorize"), accepted, now=2.0)
    station.disconnected(4.0)

    station.plug_in(2, 5.0)
    station.present_id_token(2, "CARD", "ISO14443", 5.0)

    assert [event.evse_id for event in events_of(station.events(), TransactionStarted)] == [2]


@pytest.mark.parametrize("value", [HUGE, "²", str(2**31)])
def test_a_16_integer_key_refuses_what_is_no_32_bit_ascii_number(value: str) -> None:
    # was: "²" -> ValueError out of receive (str.isdigit() is true, int() refuses it);
    # 10**400 -> Accepted, then OverflowError arming the heartbeat timer
    station = make_station16()
    csms = boot16(station)
    frame = json.dumps([2, "cc1", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": value}])
    csms.feed_untrusted(frame, 1.0)
    assert csms.replies["cc1"] == [3, "cc1", {"status": "Rejected"}]
    csms.advance(1.0, 2000.0)
    assert csms.sent_of("Heartbeat")


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
@pytest.mark.parametrize("status", ["Accepted", "Pending"])
@pytest.mark.parametrize("interval", [10**40, 10**400])
def test_a_boot_interval_beyond_32_bits_is_capped(version: str, status: str, interval: int) -> None:
    # was (1.6, Accepted, 10**40): ValueError storing it as HeartbeatInterval, once integer keys
    # were bounded; before that: OverflowError arming the heartbeat or boot-retry timer (10**400)
    station = make_station16() if version == "1.6" else make_station()
    station.connected(0.0)
    (boot_call,) = station.data_to_send()
    unique_id = json.loads(boot_call)[1]
    station.receive(
        f'[3,"{unique_id}",{{"status":"{status}","currentTime":"2026-12-04T12:00:00Z","interval":{interval}}}]',
        1.0,
    )
    assert station.boot_status == status
    station.handle_timer(1.0)
    deadline = station.next_deadline()
    assert deadline is not None and deadline <= 1.0 + 2**31


# the shape of the fuzzed frame (its other fields trimmed): a valid 1.6 profile whose period
# starts 10**400 s in, a JSON integer no float holds
HUGE_PERIOD_FRAME = (
    '[2,"m263173","SetChargingProfile",{"connectorId":0,"csChargingProfiles":{"chargingProfileId":3,'
    '"stackLevel":2,"chargingProfilePurpose":"ChargePointMaxProfile","chargingProfileKind":"Recurring",'
    '"recurrencyKind":"Daily","chargingSchedule":{"chargingRateUnit":"W","duration":' + HUGE + ","
    '"chargingSchedulePeriod":[{"startPeriod":0,"limit":11000.0},{"startPeriod":'
    + HUGE
    + ',"limit":7000.0}]}}}]'
)


def test_a_16_charging_profile_with_periods_beyond_float_is_taken_as_never() -> None:
    # was: OverflowError (float(start_period)) out of receive
    station = make_station16()
    csms = boot16(station)
    csms.feed_untrusted(HUGE_PERIOD_FRAME, 1.0)
    assert csms.replies["m263173"] == [3, "m263173", {"status": "Accepted"}]
    assert station.charging_limit_w(1) == 11000.0  # the first period holds "forever"
    csms.advance(1.0, 2000.0)
