"""EnergyMetered (issue 18, finding 1): each meter reading a station sends raises the register's
growth since that EVSE's previous reading, so the readings of a transaction add up to exactly the
energy its TransactionEnded reports, the final reading included once."""

from __future__ import annotations

import pytest
from _station16_harness import boot16, charge, make_station16
from _station_harness import boot, events_of, make_station, set_variable

from fleet.station import EnergyMetered, TransactionEnded


def test_2_0_1_meter_readings_add_up_to_the_transaction_energy() -> None:
    station = make_station(voltage_v=230.0, phases=3)
    set_variable(station, "SampledDataCtrlr", "TxUpdatedInterval", "60")
    set_variable(station, "AlignedDataCtrlr", "Interval", "0")
    csms = boot(station)
    station.set_ev_demand(1, 6_900.0, 35.0, 0.0)
    station.plug_in(1, 0.0)
    station.present_id_token(1, "", "NoAuthorization", 0.0)
    csms.answer_all(0.0)
    csms.advance(0.0, 180.0)
    charging = events_of(csms.drain_events(), EnergyMetered)
    # one per periodic reading (the Started reading found the register where it was: no event)
    assert [event.evse_id for event in charging] == [1, 1, 1]
    assert sum(event.wh for event in charging) == pytest.approx(6_900.0 * 180 / 3600)
    station.present_id_token(1, "", "NoAuthorization", 200.0)
    csms.answer_all(200.0)
    events = csms.drain_events()
    [ended] = events_of(events, TransactionEnded)
    [last] = events_of(events, EnergyMetered)
    assert last.wh == pytest.approx(6_900.0 * 20 / 3600)  # only what grew since the last reading
    assert sum(event.wh for event in [*charging, last]) == pytest.approx(ended.energy_wh)


def test_1_6_meter_values_and_stop_transaction_add_up_to_the_transaction_energy() -> None:
    station = make_station16()
    csms = boot16(station)
    charge(station, csms, 10.0)
    csms.advance(10.0, 10.0 + 600.0)  # MeterValueSampleInterval 60 s: ten MeterValues
    station.present_id_token(1, "TAG-1", "ISO14443", 910.0)
    csms.answer_all(910.0)
    events = csms.drain_events()
    metered = events_of(events, EnergyMetered)
    [ended] = events_of(events, TransactionEnded)
    assert len(metered) == 10 + 1  # the MeterValues and StopTransaction's meterStop
    assert sum(event.wh for event in metered) == pytest.approx(ended.energy_wh)
    assert ended.energy_wh == pytest.approx(11_000.0 * 900 / 3600)
