"""The battery (BMS) model on its own: limits, CC-CV taper, SoC integration, hold times."""

from __future__ import annotations

from typing import Literal

import pytest
from _ev_models import DC_CURVE, FAST_DC
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.behaviour import ChargingBattery, EvModel
from fleet.behaviour._battery import AC_EFFICIENCY, CV_FLOOR, DC_EFFICIENCY, MAX_HOLD_S

ONE_PHASE = EvModel(name="one-phase", share=1.0, battery_kwh=40.0, max_ac_kw=7.4, ac_phases=1, max_dc_kw=50.0)
AC_ONLY = EvModel(name="ac-only", share=1.0, battery_kwh=30.0, max_ac_kw=11.0)


def charge_to_target(
    battery: ChargingBattery, current: Literal["AC", "DC"], evse_limit_w: float, max_steps: int = 10_000
) -> list[tuple[float, float]]:
    """Hold each power as long as the battery allows; returns (soc, power) at every decision."""
    trace: list[tuple[float, float]] = []
    for _ in range(max_steps):
        power = battery.power_w(current=current, evse_limit_w=evse_limit_w, evse_phases=3)
        trace.append((battery.soc_percent, power))
        hold = battery.seconds_until_change(power)
        if hold is None:
            return trace
        battery.advance(hold, power)
    raise AssertionError(f"no end after {max_steps} steps: {trace[-3:]}")


def test_dc_power_tapers_above_the_curve_knee() -> None:
    def power_at(soc: float) -> float:
        return ChargingBattery(FAST_DC, soc, 100.0).power_w(current="DC", evse_limit_w=350_000, evse_phases=3)

    assert power_at(30.0) == 230_000.0
    assert power_at(80.0) == 100_000.0
    assert power_at(80.0) < 0.5 * power_at(30.0)
    assert power_at(85.0) == pytest.approx(75_000.0)  # linear between the curve's points
    assert power_at(99.0) < power_at(90.0) < power_at(80.0)


def test_dc_curve_is_capped_by_the_cars_max_and_the_evse() -> None:
    capped = EvModel(name="capped", share=1.0, battery_kwh=60, max_ac_kw=11, max_dc_kw=150, dc_curve=DC_CURVE)
    battery = ChargingBattery(capped, 30.0, 80.0)
    assert battery.power_w(current="DC", evse_limit_w=350_000, evse_phases=3) == 150_000.0
    assert battery.power_w(current="DC", evse_limit_w=50_000, evse_phases=3) == 50_000.0


def test_without_a_dc_curve_the_generic_cc_cv_taper_applies() -> None:
    def power_at(soc: float, current: Literal["AC", "DC"]) -> float:
        battery = ChargingBattery(ONE_PHASE, soc, 100.0)
        return battery.power_w(current=current, evse_limit_w=350_000, evse_phases=1)

    assert power_at(10.0, "DC") == power_at(80.0, "DC") == 50_000.0
    assert power_at(90.0, "DC") == pytest.approx(50_000.0 * (1 - (1 - CV_FLOOR) / 2))
    assert power_at(80.0, "AC") == 7_400.0
    assert power_at(99.99, "AC") == pytest.approx(7_400.0 * CV_FLOOR, rel=0.01)


def test_an_ev_without_a_dc_inlet_draws_nothing_on_dc() -> None:
    battery = ChargingBattery(AC_ONLY, 20.0, 80.0)
    assert not battery.accepts("DC") and battery.accepts("AC")
    assert battery.power_w(current="DC", evse_limit_w=50_000, evse_phases=3) == 0.0
    assert battery.seconds_until_change(0.0) is None
    # hypothesis found it: a power so small its SoC rate underflows to 0 divided by zero
    assert battery.seconds_until_change(5e-324) is None


def test_power_is_the_smallest_limit() -> None:
    battery = ChargingBattery(FAST_DC, 30.0, 80.0)

    def ac(cable_limit_w: float | None = None, smart_limit_w: float | None = None) -> float:
        return battery.power_w(
            current="AC",
            evse_limit_w=22_000.0,
            evse_phases=3,
            cable_limit_w=cable_limit_w,
            smart_limit_w=smart_limit_w,
        )

    assert ac() == 11_000.0  # the on-board charger
    assert ac(cable_limit_w=7_000.0) == 7_000.0
    assert ac(smart_limit_w=4_140.0) == 4_140.0
    assert ac(cable_limit_w=3_000.0, smart_limit_w=4_140.0) == 3_000.0
    assert ac(smart_limit_w=0.0) == 0.0
    assert battery.power_w(current="DC", evse_limit_w=350_000, evse_phases=3, smart_limit_w=90_000) == 90_000


def test_a_one_phase_car_on_a_three_phase_evse_gets_one_phase_of_power() -> None:
    battery = ChargingBattery(ONE_PHASE, 20.0, 80.0)
    evse_32a = 230.0 * 32 * 3  # 22.08 kW
    assert battery.phases_used("AC", 3) == 1
    assert battery.phases_used("DC", 3) == 3  # the DC charger draws from its own grid phases
    power = battery.power_w(current="AC", evse_limit_w=evse_32a, evse_phases=3)
    assert power == pytest.approx(230.0 * 32)  # one phase at 32 A
    assert power <= 7_400.0
    three_phase_on_one = ChargingBattery(FAST_DC, 20.0, 80.0)
    assert three_phase_on_one.phases_used("AC", 1) == 1
    assert three_phase_on_one.power_w(current="AC", evse_limit_w=7_360.0, evse_phases=1) == 7_360.0


def test_soc_counts_what_reached_the_cells_and_the_meter_what_flowed() -> None:
    cases: list[tuple[Literal["AC", "DC"], float]] = [("AC", AC_EFFICIENCY), ("DC", DC_EFFICIENCY)]
    for current, efficiency in cases:
        battery = ChargingBattery(FAST_DC, 20.0, 100.0)
        battery.power_w(current=current, evse_limit_w=11_000, evse_phases=3)
        metered = battery.advance(3_600.0, 11_000.0)
        assert metered == battery.energy_wh == 11_000.0
        assert battery.soc_percent == pytest.approx(20.0 + 11_000.0 * efficiency / 77_400.0 * 100.0)


@pytest.mark.parametrize(
    ("current", "evse_limit_w", "start", "target"),
    [("DC", 350_000.0, 10.0, 80.0), ("DC", 350_000.0, 5.0, 100.0), ("AC", 22_000.0, 20.0, 100.0)],
)
def test_a_session_reaches_its_target_and_never_passes_100(
    current: Literal["AC", "DC"], evse_limit_w: float, start: float, target: float
) -> None:
    battery = ChargingBattery(FAST_DC, start, target)
    trace = charge_to_target(battery, current, evse_limit_w)
    assert battery.target_reached
    assert target - 1e-6 <= battery.soc_percent <= min(target + 1e-6, 100.0)
    assert trace[-1][1] == 0.0  # suspended
    socs = [soc for soc, _ in trace]
    assert socs == sorted(socs) and all(0.0 <= soc <= 100.0 for soc in socs)
    # the energy that reached the cells is exactly the SoC gained
    efficiency = AC_EFFICIENCY if current == "AC" else DC_EFFICIENCY
    gained = battery.energy_wh * efficiency / 77_400.0 * 100.0
    assert gained == pytest.approx(battery.soc_percent - start)


def test_a_dc_session_needs_few_decisions() -> None:
    trace = charge_to_target(ChargingBattery(FAST_DC, 10.0, 100.0), "DC", 350_000.0)
    # one decision per 1 % of SoC (90) plus the 5 % steps down the taper, not one per second
    assert len(trace) < 150
    ac_trace = charge_to_target(ChargingBattery(FAST_DC, 20.0, 80.0), "AC", 11_000.0)
    assert len(ac_trace) <= 61  # flat 11 kW: exactly one decision per SoC percent, and the last


def test_hold_ends_where_the_power_has_changed_by_the_tolerance() -> None:
    battery = ChargingBattery(FAST_DC, 52.0, 100.0)
    power = battery.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    hold = battery.seconds_until_change(power, tolerance=0.05, soc_step_percent=100.0)
    assert hold is not None and 1.0 <= hold < MAX_HOLD_S
    probe = ChargingBattery(FAST_DC, 52.0, 100.0)
    probe.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    probe.advance(hold * 0.99, power)
    within = probe.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    battery.advance(hold, power)
    after = battery.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    assert abs(within - power) <= 0.05 * power
    assert abs(after - power) == pytest.approx(0.05 * power, rel=1e-6)


def test_hold_is_capped_and_stops_at_the_target() -> None:
    slow = ChargingBattery(FAST_DC, 10.0, 100.0)
    power = slow.power_w(current="AC", evse_limit_w=3_680, evse_phases=3)  # 1 % takes > 300 s
    assert slow.seconds_until_change(power) == MAX_HOLD_S
    fast = ChargingBattery(FAST_DC, 10.0, 100.0)
    power = fast.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    one_percent_s = 0.01 * 77_400 * 3600 / DC_EFFICIENCY / power
    assert fast.seconds_until_change(power) == pytest.approx(one_percent_s)  # the SoC stays fresh
    assert fast.seconds_until_change(power, soc_step_percent=5.0) == pytest.approx(5 * one_percent_s)
    close = ChargingBattery(FAST_DC, 49.99, 50.0)
    power = close.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    hold = close.seconds_until_change(power)
    assert hold == pytest.approx(0.01 / 100 * 77_400 * 3600 / DC_EFFICIENCY / power)
    close.advance(hold or 0.0, power)
    assert close.target_reached
    assert close.power_w(current="DC", evse_limit_w=350_000, evse_phases=3) == 0.0
    assert close.seconds_until_change(0.0) is None


def test_bad_inputs_say_what_and_how_to_fix() -> None:
    with pytest.raises(ValueError, match=r"'fast-dc'.*soc_percent must be within 0..100, got 120"):
        ChargingBattery(FAST_DC, 120.0, 80.0)
    unsorted = EvModel(
        name="u", share=1, battery_kwh=50, max_ac_kw=11, max_dc_kw=100, dc_curve=[(50, 1), (10, 2)]
    )
    with pytest.raises(ValueError, match="dc_curve SoC values must ascend"):
        ChargingBattery(unsorted, 10.0, 80.0)
    with pytest.raises(ValueError, match="evse_phases 1, 2 or 3"):
        ChargingBattery(FAST_DC, 10.0, 80.0).power_w(current="AC", evse_limit_w=11_000, evse_phases=4)
    with pytest.raises(ValueError, match="must be >= 0"):
        ChargingBattery(FAST_DC, 10.0, 80.0).advance(-1.0, 100.0)
    with pytest.raises(ValueError, match="soc_step_percent > 0"):
        ChargingBattery(FAST_DC, 10.0, 80.0).seconds_until_change(100.0, soc_step_percent=0.0)
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        ChargingBattery(FAST_DC, 10.0, 80.0).charge_for(-1.0)


# --- property: random cars, SoCs and limits ----------------------------------------------------


@st.composite
def ev_models(draw: st.DrawFn) -> EvModel:
    max_dc = draw(st.sampled_from([0.0, 50.0, 150.0, 350.0]))
    socs = sorted(draw(st.lists(st.floats(0.0, 100.0), min_size=0, max_size=6)))
    curve = [(soc, draw(st.floats(0.0, 400.0))) for soc in socs] if max_dc > 0 else []
    return EvModel(
        name="random",
        share=1.0,
        battery_kwh=draw(st.floats(5.0, 200.0)),
        max_ac_kw=draw(st.floats(1.0, 22.0)),
        ac_phases=draw(st.sampled_from([1, 3])),
        max_dc_kw=max_dc,
        dc_curve=curve,
    )


optional_limit = st.none() | st.floats(0.0, 400_000.0)


@settings(max_examples=150)
@given(
    model=ev_models(),
    soc=st.floats(0.0, 100.0),
    target=st.floats(0.0, 100.0),
    current=st.sampled_from(["AC", "DC"]),
    evse_limit_w=st.floats(0.0, 400_000.0),
    evse_phases=st.sampled_from([1, 3]),
    cable_limit_w=optional_limit,
    smart_limit_w=optional_limit,
)
def test_power_is_never_negative_nor_above_a_limit_and_soc_only_grows(
    model: EvModel,
    soc: float,
    target: float,
    current: Literal["AC", "DC"],
    evse_limit_w: float,
    evse_phases: int,
    cable_limit_w: float | None,
    smart_limit_w: float | None,
) -> None:
    battery = ChargingBattery(model, soc, target)
    ev_max_w = (model.max_ac_kw if current == "AC" else model.max_dc_kw) * 1000.0
    phase_share = battery.phases_used(current, evse_phases) / evse_phases if current == "AC" else 1.0
    limits = [evse_limit_w * phase_share, ev_max_w]
    limits += [limit for limit in (cable_limit_w, smart_limit_w) if limit is not None]
    previous = battery.soc_percent
    for _ in range(200):  # a bounded slice of the session: slow big batteries take thousands of holds
        power = battery.power_w(
            current=current,
            evse_limit_w=evse_limit_w,
            evse_phases=evse_phases,
            cable_limit_w=cable_limit_w,
            smart_limit_w=smart_limit_w,
        )
        assert 0.0 <= power <= min(limits) * (1 + 1e-12)
        hold = battery.seconds_until_change(power)
        if hold is None:
            assert power == 0.0 or battery.target_reached
            break
        assert 0.0 < hold <= MAX_HOLD_S
        battery.advance(hold, power)
        assert previous <= battery.soc_percent <= 100.0
        assert battery.soc_percent <= max(target, soc) + 1e-6  # the hold stops at the target
        previous = battery.soc_percent


# --- charge_for: the exact integral the session model uses --------------------------------------


def _seconds_to_target_by_soc_steps(battery: ChargingBattery, steps: int = 20_000) -> tuple[float, float]:
    """(seconds, metered Wh) to the target by the midpoint rule in SoC: dt = dSoC / (k P(SoC))."""
    start, end = battery.soc_percent, min(battery.target_percent, 100.0)
    per_wh = (
        (AC_EFFICIENCY if battery._current == "AC" else DC_EFFICIENCY)
        * 100.0
        / (battery.model.battery_kwh * 1000.0)
    )
    width = (end - start) / steps
    seconds = 0.0
    for i in range(steps):
        power = battery._power_ignoring_target(start + (i + 0.5) * width)
        seconds += width / (per_wh / 3600.0 * power)
    return seconds, (end - start) / per_wh


@settings(max_examples=80, deadline=None)
@given(
    model=ev_models(),
    soc=st.floats(0.0, 90.0),
    gain=st.floats(1.0, 60.0),
    current=st.sampled_from(["AC", "DC"]),
    evse_limit_w=st.floats(1_000.0, 400_000.0),
    cable_limit_w=optional_limit,
)
def test_charge_for_is_the_exact_integral_of_the_power_curve(
    model: EvModel,
    soc: float,
    gain: float,
    current: Literal["AC", "DC"],
    evse_limit_w: float,
    cable_limit_w: float | None,
) -> None:
    target = min(100.0, soc + gain)
    battery = ChargingBattery(model, soc, target)
    if not battery.accepts(current):
        return
    power = battery.power_w(
        current=current, evse_limit_w=evse_limit_w, evse_phases=3, cable_limit_w=cable_limit_w
    )
    interior = [point for point, _ in model.dc_curve if soc < point < target]
    socs = [soc, soc + 1e-9, target - 1e-9, *(p + d for p in interior for d in (-1e-9, 1e-9))]
    if min(battery._power_ignoring_target(point) for point in socs) <= 1.0:
        return  # a curve through 0 W never reaches its target: nothing to compare
    want_s, want_wh = _seconds_to_target_by_soc_steps(battery)
    pieces = battery.charge_for(10 * want_s + 1.0)
    got_s = sum(seconds for seconds, _ in pieces)
    assert battery.target_reached and battery.soc_percent == target
    assert got_s == pytest.approx(want_s, rel=1e-3)
    assert battery.energy_wh == pytest.approx(want_wh, rel=1e-9)
    assert sum(wh for _, wh in pieces) == pytest.approx(want_wh, rel=1e-9)
    assert len(pieces) <= len(model.dc_curve) + 4  # a handful, however long the session
    for seconds, wh in pieces:  # each piece's mean power is within the limits
        assert seconds >= 0.0 and wh >= 0.0
        if seconds > 0:
            assert wh * 3600.0 / seconds <= power * (1 + 1e-9) or current == "DC"


def test_charge_for_stops_when_the_time_is_up_and_resumes_where_it_stopped() -> None:
    whole = ChargingBattery(FAST_DC, 10.0, 90.0)
    whole.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    total_s = sum(seconds for seconds, _ in whole.charge_for(1e6))
    split = ChargingBattery(FAST_DC, 10.0, 90.0)
    split.power_w(current="DC", evse_limit_w=350_000, evse_phases=3)
    first = split.charge_for(total_s / 3)
    assert sum(seconds for seconds, _ in first) == pytest.approx(total_s / 3)
    assert not split.target_reached and 10.0 < split.soc_percent < 90.0
    rest = sum(seconds for seconds, _ in split.charge_for(1e6))
    assert total_s / 3 + rest == pytest.approx(total_s, rel=1e-9)
    assert split.energy_wh == pytest.approx(whole.energy_wh, rel=1e-12)
