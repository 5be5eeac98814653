"""Issue 20, section 2, on the station cores: an idToken the CSMS does not accept in the
transaction answer (2.0.1 StopTxOnInvalidId / MaxEnergyOnInvalidId, 1.6 StopTransactionOnInvalidId)
and transaction messages answered with CALLERROR (1.6 TransactionMessageAttempts /
TransactionMessageRetryInterval; the 2.0.1 case is in test_transactions)."""

from __future__ import annotations

from typing import Any

import pytest
from _station16_harness import boot16, make_station16
from _station_harness import FakeCsms, boot, events_of, make_station, set_variable

from fleet.ocpp import v16, v201
from fleet.station import CallFailed, MessageDropped

_INVALID = v201.TransactionEventResponse(id_token_info=v201.IdTokenInfo(status="Invalid"))
_POWER_W = 7_200.0


def _refused_session(max_energy_wh: int) -> tuple[Any, FakeCsms]:
    """A 2.0.1 session at 7.2 kW whose Started is answered Invalid at t=11, StopTxOnInvalidId false."""
    station = make_station()
    set_variable(station, "TxCtrlr", "StopTxOnInvalidId", "false")
    set_variable(station, "TxCtrlr", "MaxEnergyOnInvalidId", str(max_energy_wh))
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "0")
    set_variable(station, "AlignedDataCtrlr", "Interval", "0")
    csms = boot(station)
    station.plug_in(1, 10.0)
    station.set_ev_demand(1, _POWER_W, None, 10.0)
    csms.answer_all(10.0)
    station.present_id_token(1, "CARD-9", "ISO14443", 10.0)
    csms.answer_all(10.0, keep=("TransactionEvent",))
    started = csms.take("TransactionEvent")
    assert started.payload["eventType"] == "Started"
    csms.answer(started, _INVALID, now=11.0)
    csms.answer_all(11.0)
    return station, csms


def _states(csms: FakeCsms) -> list[tuple[str, str]]:
    return [
        (c.payload["eventType"], c.payload["transactionInfo"].get("chargingState", ""))
        for c in csms.sent_of("TransactionEvent")
    ]


def test_201_refused_token_without_stop_suspends_the_energy_at_once_by_default() -> None:
    station, csms = _refused_session(0)
    assert _states(csms)[-1] == ("Updated", "SuspendedEVSE")
    state = station.evse_state(1)
    assert state.power_w == 0.0 and state.transaction_id is not None  # suspended, not ended
    csms.advance(11.0, 600.0)
    assert [event for event, _ in _states(csms)] == ["Started", "Updated"]
    csms.assert_schema_valid()


def test_201_refused_token_gets_max_energy_on_invalid_id_then_suspends() -> None:
    station, csms = _refused_session(1_000)
    assert _states(csms)[-1] == ("Started", "Charging")  # still charging on the allowance
    energy_at_refusal = station.evse_state(1).energy_wh
    runs_out_at = 11.0 + 1_000 * 3600.0 / _POWER_W  # 511 s
    csms.advance(11.0, runs_out_at - 1.0)
    assert station.evse_state(1).power_w == _POWER_W
    csms.advance(runs_out_at - 1.0, runs_out_at + 1.0)
    assert _states(csms)[-1] == ("Updated", "SuspendedEVSE")
    state = station.evse_state(1)
    assert state.power_w == 0.0 and state.transaction_id is not None
    assert state.energy_wh - energy_at_refusal == pytest.approx(1_000.0, abs=0.01)
    csms.assert_schema_valid()


def test_201_refused_token_with_stop_ends_deauthorized_whatever_the_allowance() -> None:
    station = make_station()
    set_variable(station, "TxCtrlr", "MaxEnergyOnInvalidId", "1000")
    csms = boot(station)
    station.plug_in(1, 10.0)
    station.set_ev_demand(1, _POWER_W, None, 10.0)
    station.present_id_token(1, "CARD-9", "ISO14443", 10.0)
    csms.answer_all(10.0, keep=("TransactionEvent",))
    csms.answer(csms.take("TransactionEvent"), _INVALID, now=11.0)
    csms.answer_all(11.0)
    ended = csms.sent_of("TransactionEvent")[-1].payload
    assert (ended["eventType"], ended["transactionInfo"]["stoppedReason"]) == ("Ended", "DeAuthorized")


def _refused_session16(max_energy_wh: int) -> tuple[Any, FakeCsms]:
    """A 1.6 session at 7.2 kW whose StartTransaction is answered Invalid at t=11,
    StopTransactionOnInvalidId false."""
    station = make_station16()
    csms = boot16(station)
    for key, value in (("StopTransactionOnInvalidId", "false"), ("MaxEnergyOnInvalidId", str(max_energy_wh))):
        request = v16.ChangeConfigurationRequest(key=key, value=value)
        assert csms.call("ChangeConfiguration", request, 1.0)[2] == {"status": "Accepted"}
    station.plug_in(1, 10.0)
    station.set_ev_demand(1, _POWER_W, None, 10.0)
    station.present_id_token(1, "BAD-TAG", "ISO14443", 10.0)
    csms.answer_all(10.0, keep=("StartTransaction",))
    refused = v16.StartTransactionResponse(id_tag_info=v16.IdTagInfo(status="Invalid"), transaction_id=55)
    csms.answer(csms.take("StartTransaction"), refused, now=11.0)
    csms.answer_all(11.0)
    return station, csms


def test_16_refused_tag_with_max_energy_on_invalid_id_charges_that_much_then_suspends() -> None:
    station, csms = _refused_session16(500)
    assert station.evse_state(1).connector_status == "Charging"
    energy_at_refusal = station.evse_state(1).energy_wh
    runs_out_at = 11.0 + 500 * 3600.0 / _POWER_W  # 261 s
    csms.advance(11.0, runs_out_at + 1.0)
    state = station.evse_state(1)
    assert (state.connector_status, state.power_w) == ("SuspendedEVSE", 0.0)
    assert state.energy_wh - energy_at_refusal == pytest.approx(500.0, abs=0.01)
    assert csms.sent_of("StopTransaction") == []
    csms.assert_schema_valid()


def test_16_refused_tag_without_stop_suspends_the_transaction() -> None:
    station, csms = _refused_session16(0)
    assert station.evse_state(1).connector_status == "SuspendedEVSE"
    assert station.evse_state(1).power_w == 0.0
    assert csms.sent_of("StopTransaction") == []
    statuses = [c.payload["status"] for c in csms.sent_of("StatusNotification") if c.payload["connectorId"]]
    assert statuses[-1] == "SuspendedEVSE"
    csms.assert_schema_valid()


def test_16_stop_transaction_refused_is_retried_per_transaction_message_settings_then_dropped() -> None:
    station = make_station16()
    csms = boot16(station)
    for key, value in (("TransactionMessageAttempts", "3"), ("TransactionMessageRetryInterval", "15")):
        request = v16.ChangeConfigurationRequest(key=key, value=value)
        assert csms.call("ChangeConfiguration", request, 1.0)[2] == {"status": "Accepted"}
    station.plug_in(1, 10.0)
    station.present_id_token(1, "TAG-1", "ISO14443", 10.0)
    csms.answer_all(10.0)
    station.unplug(1, 20.0)
    now, attempts = 20.0, []
    for _ in range(3):
        csms.answer_all(now, keep=("StopTransaction",))
        call = csms.take("StopTransaction")
        attempts.append(now)
        csms.fail(call, "InternalError", now=now)
        deadline = station.next_deadline()
        if deadline is not None and deadline < now + 100:
            now = deadline
            station.handle_timer(now)
    assert attempts == [20.0, 35.0, 65.0]  # the interval times the attempt number
    events = csms.drain_events()
    assert len([e for e in events_of(events, CallFailed) if e.action == "StopTransaction"]) == 3
    assert events_of(events, MessageDropped) == [MessageDropped("StopTransaction", "RetriesExhausted")]
    assert station.queued_transaction_messages == 0
