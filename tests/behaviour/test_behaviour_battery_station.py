"""The battery driving a real Station: the meter values it sends are physically consistent.

The energy register is the integral of the power set, power = voltage x current x phases in use,
the SoC stays within 0..100 and reaches the target, a DC session tapers, smart charging caps.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from _behaviour_csms import EPOCH, accommodating_response
from _ev_models import FAST_DC

from fleet.behaviour import ChargingBattery, EvModel
from fleet.ocpp import LocalProtocolError, encode_call_result
from fleet.station import Station, StationConfig
from support import OcppSchemaValidator

ROUNDING_WH = 0.0005  # the register is sent with 3 decimals
ONE_PHASE = EvModel(name="one-phase", share=1, battery_kwh=40, max_ac_kw=7.4, ac_phases=1)


@dataclass
class Session:
    """One station, one EV, answered at once by an accommodating CSMS."""

    station: Station
    log: list[tuple[str, str]] = field(default_factory=list)

    def exchange(self, now: float) -> None:
        for _ in range(200):
            frames = self.station.data_to_send()
            if not frames:
                return
            for text in frames:
                self.log.append(("sent", text))
                frame = json.loads(text)
                if frame[0] == 2:
                    reply = encode_call_result(frame[1], accommodating_response(frame[2], frame[3], now))
                    self.log.append(("received", reply))
                    self.station.receive(reply, now)
        raise AssertionError("the station kept sending")

    def run_timers(self, until: float) -> None:
        for _ in range(10_000):
            deadline = self.station.next_deadline()
            if deadline is None or deadline > until:
                return
            self.station.handle_timer(deadline)
            self.exchange(deadline)
        raise AssertionError("timers kept firing")

    def transaction_events(self) -> list[dict[str, Any]]:
        frames = (json.loads(text) for direction, text in self.log if direction == "sent")
        return [frame[3] for frame in frames if frame[0] == 2 and frame[2] == "TransactionEvent"]


def charge(
    session: Session,
    battery: ChargingBattery,
    current: Literal["AC", "DC"],
    smart_limit_w: float | None = None,
) -> float:
    """Plug in, badge, charge to the target (re-evaluating when the battery says), badge out and
    unplug. Returns the integral of the power values set, in Wh, computed independently."""
    station, config = session.station, session.station.config
    station.connected(0.0)
    session.exchange(0.0)
    now = 10.0
    station.plug_in(1, now)
    station.present_id_token(1, "04A1B2C3", "ISO14443", now)
    session.exchange(now)
    integral_wh = 0.0
    for _ in range(5_000):
        power = battery.power_w(
            current=current,
            evse_limit_w=config.max_power_w,
            evse_phases=config.phases,
            smart_limit_w=smart_limit_w,
        )
        phases = battery.phases_used(current, config.phases)
        station.set_ev_demand(1, power, battery.soc_percent, now, phases=phases)
        session.exchange(now)
        assert station.evse_state(1).power_w == power  # the station caps nothing we did not ask for
        hold = battery.seconds_until_change(power)
        if hold is None:
            break
        session.run_timers(now + hold)
        integral_wh += power * hold / 3600.0
        battery.advance(hold, power)
        now += hold
    else:
        raise AssertionError("the session did not end")
    now += 600.0  # the EV sits full (SuspendedEV) for a while: no energy
    session.run_timers(now)
    station.present_id_token(1, "04A1B2C3", "ISO14443", now)
    session.exchange(now)
    station.unplug(1, now + 5.0)
    session.exchange(now + 5.0)
    assert OcppSchemaValidator().validate_stream(session.log, directions=("sent",)) == []
    return integral_wh


def samples(event: dict[str, Any]) -> dict[str, float]:
    return {
        value["measurand"]: value["value"]
        for mv in event.get("meterValue", [])
        for value in mv["sampledValue"]
    }


def session_with(max_power_w: float, phases: int) -> Session:
    config = StationConfig(station_id="BAT-1", max_power_w=max_power_w, phases=phases, wall_clock_epoch=EPOCH)
    return Session(Station(config, random.Random(3)))


def test_dc_session_register_is_the_integral_of_power_and_the_power_tapers() -> None:
    session = session_with(350_000.0, 3)
    battery = ChargingBattery(FAST_DC, 10.0, 90.0)
    integral_wh = charge(session, battery, "DC")
    events = session.transaction_events()
    ended = events[-1]
    assert ended["eventType"] == "Ended"
    register = samples(ended)["Energy.Active.Import.Register"]
    assert abs(register - integral_wh) <= ROUNDING_WH
    assert abs(register - battery.energy_wh) <= ROUNDING_WH
    assert battery.target_reached and battery.soc_percent <= 90.0 + 1e-6
    periodic = [samples(e) for e in events if e["triggerReason"] == "MeterValuePeriodic"]
    assert len(periodic) > 10
    socs = [values["SoC"] for values in periodic]
    registers = [values["Energy.Active.Import.Register"] for values in periodic]
    assert socs == sorted(socs) and all(0.0 <= soc <= 100.0 for soc in socs)
    assert registers == sorted(registers)
    early = [values["Power.Active.Import"] for values in periodic if values["SoC"] < 50]
    late = [values["Power.Active.Import"] for values in periodic if 80 < values["SoC"] < 90]
    assert early and late and max(late) < 0.5 * min(early)


def test_a_one_phase_car_on_a_three_phase_32a_evse_draws_one_phase() -> None:
    session = session_with(230.0 * 32 * 3, 3)
    battery = ChargingBattery(ONE_PHASE, 60.0, 85.0)
    integral_wh = charge(session, battery, "AC")
    events = session.transaction_events()
    assert abs(samples(events[-1])["Energy.Active.Import.Register"] - integral_wh) <= ROUNDING_WH
    periodic = [samples(e) for e in events if e["triggerReason"] == "MeterValuePeriodic"]
    charging = [values for values in periodic if values["Power.Active.Import"] > 0]
    assert charging
    for values in charging:
        power, amps, volts = values["Power.Active.Import"], values["Current.Import"], values["Voltage"]
        assert power <= 7_400.0
        assert amps == pytest.approx(power / 230.0, abs=0.001)  # all of it on one phase
        assert amps <= 32.0 + 1e-9
        assert abs(power - volts * amps * 1) <= volts * 0.0005 + 0.0005  # rounding of the current


@pytest.mark.parametrize("smart_limit_w", [4_140.0, 1_380.0])
def test_a_smart_charging_limit_caps_the_power_the_station_meters(smart_limit_w: float) -> None:
    session = session_with(22_000.0, 3)
    battery = ChargingBattery(FAST_DC, 70.0, 80.0)
    integral_wh = charge(session, battery, "AC", smart_limit_w=smart_limit_w)
    events = session.transaction_events()
    assert abs(samples(events[-1])["Energy.Active.Import.Register"] - integral_wh) <= ROUNDING_WH
    powers = [samples(e)["Power.Active.Import"] for e in events if e["triggerReason"] == "MeterValuePeriodic"]
    assert max(powers) == smart_limit_w
    for values in (samples(e) for e in events if "Current.Import" in samples(e)):
        # three phases in use: power = V x I x 3
        assert abs(values["Power.Active.Import"] - values["Voltage"] * values["Current.Import"] * 3) <= 0.5


def test_phases_default_to_the_evse_and_cannot_exceed_it() -> None:
    session = session_with(7_360.0, 1)
    with pytest.raises(LocalProtocolError, match=r"phases=3.*1 phase\(s\); pass 1..1"):
        session.station.set_ev_demand(1, 1_000.0, None, 0.0, phases=3)
