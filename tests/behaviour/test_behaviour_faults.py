"""Outages and connector faults: Poisson at the configured rate, durations as drawn; a faulted
connector in the station core."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest
from _profile_support import DAY, EPOCH, poisson_interval, response_to

from fleet.behaviour._faults import FaultProcess
from fleet.behaviour._profile_schema import Exponential, Fixed
from fleet.ocpp import encode_call_result
from fleet.station import Station, StationConfig


def _faults(process: FaultProcess, until: float) -> list[tuple[float, float]]:
    changes = process.advance(until)
    starts = [at for at, began in changes if began]
    ends = [at for at, began in changes if not began]
    return list(zip(starts, ends, strict=False))


def test_outages_happen_at_about_the_configured_rate() -> None:
    days = 200
    process = FaultProcess(2.0, Fixed(value=60.0), random.Random(9), 0.0)
    faults = _faults(process, days * DAY)
    # gaps are drawn after each fault ends: over 200 days the 60 s outages take 0.14 % of the time
    low, high = poisson_interval(2.0 * days, 0.001)
    assert low <= len(faults) <= high
    assert all(end - start == 60.0 for start, end in faults)
    assert all(b_start >= a_end for (_, a_end), (b_start, _) in itertools.pairwise(faults))


def test_active_until_and_next_change_follow_the_fault() -> None:
    process = FaultProcess(24.0, Exponential(mean=600.0), random.Random(4), 100.0)
    first = process.current
    assert first is not None and first.start > 100.0
    assert process.next_change() == first.start
    assert process.active_until(first.start - 1) is None
    assert process.active_until(first.start) == first.end
    assert process.advance(first.start) == [(first.start, True)]
    assert process.next_change() == first.end
    assert process.advance(first.end) == [(first.end, False)]
    assert process.current is not None and process.current.start > first.end


def test_zero_rate_means_no_fault_ever() -> None:
    process = FaultProcess(0.0, Fixed(value=60.0), random.Random(1), 0.0)
    assert process.next_change() is None
    assert process.advance(365 * DAY) == []
    assert process.active_until(1000.0) is None


def _answer_all(station: Station, now: float) -> list[dict[str, Any]]:
    """Answer every CALL at once; returns the CALL payloads (with their action) the station sent."""
    calls: list[dict[str, Any]] = []
    for _ in range(100):
        frames = station.data_to_send()
        if not frames:
            return calls
        for text in frames:
            frame = json.loads(text)
            if frame[0] == 2:
                calls.append({"action": frame[2], **frame[3]})
                station.receive(encode_call_result(frame[1], response_to(frame[2], frame[3], now)), now)
    raise AssertionError("endless exchange")


def test_a_connector_fault_suspends_a_running_session_and_clearing_it_resumes() -> None:
    station = Station(
        StationConfig(station_id="FAULTY", evse_count=1, wall_clock_epoch=EPOCH), random.Random(1)
    )
    station.connected(0.0)
    _answer_all(station, 0.0)
    station.plug_in(1, 10.0)
    station.set_ev_demand(1, 11_000.0, None, 10.0)
    station.present_id_token(1, "CAFE0001", "ISO14443", 10.0)
    _answer_all(station, 10.0)
    assert station.evse_state(1).charging_state == "Charging"

    station.set_connector_faulted(1, True, 100.0)
    sent = _answer_all(station, 100.0)
    state = station.evse_state(1)
    assert (state.connector_status, state.charging_state, state.power_w) == ("Faulted", "SuspendedEVSE", 0.0)
    assert [c["connectorStatus"] for c in sent if c["action"] == "StatusNotification"] == ["Faulted"]
    assert any(c["action"] == "NotifyEvent" for c in sent)
    updated = [c for c in sent if c["action"] == "TransactionEvent"]
    assert [(c["triggerReason"], c["transactionInfo"]["chargingState"]) for c in updated] == [
        ("AbnormalCondition", "SuspendedEVSE")
    ]
    energy_at_fault = state.energy_wh

    station.set_connector_faulted(1, False, 700.0)
    sent = _answer_all(station, 700.0)
    state = station.evse_state(1)
    assert (state.connector_status, state.charging_state) == ("Occupied", "Charging")
    assert state.energy_wh == pytest.approx(energy_at_fault)  # no energy flowed while faulted
    assert [c["connectorStatus"] for c in sent if c["action"] == "StatusNotification"] == ["Occupied"]


def test_a_faulted_connector_refuses_new_sessions() -> None:
    station = Station(
        StationConfig(station_id="FAULTY2", evse_count=1, wall_clock_epoch=EPOCH), random.Random(2)
    )
    station.connected(0.0)
    _answer_all(station, 0.0)
    station.set_connector_faulted(1, True, 5.0)
    station.plug_in(1, 10.0)
    station.present_id_token(1, "CAFE0002", "ISO14443", 10.0)
    sent = _answer_all(station, 10.0)
    assert [c["action"] for c in sent if c["action"] in ("Authorize", "TransactionEvent")] == []
    assert station.evse_state(1).transaction_id is None
