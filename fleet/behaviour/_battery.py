"""The EV side of one charging session: how much power the car accepts, and its state of charge.

Power is the smallest of the limits on the way from the grid to the cells: the EVSE, the cable or
connector, a smart-charging limit, and the EV itself (its on-board charger and the phases it uses
on AC; the DC charging curve at the current SoC on DC). Near full, lithium-ion cells move from
constant current to constant voltage and the accepted power falls (CC-CV taper).

The meter counts the energy that flows through the EVSE; the SoC counts what reached the cells.
Between the two sit the on-board charger (AC) or the battery's own losses (DC): typical published
round figures are ~92 % AC and ~95 % DC charging efficiency, which is what ``AC_EFFICIENCY`` and
``DC_EFFICIENCY`` use.

Sans-IO: no clock; the caller says how long a power was held (``advance``) and asks how long it
may hold the next one (``seconds_until_change``), so a fleet of 10,000 EVs re-evaluates power when
it changes meaningfully, not every second.
"""

from __future__ import annotations

import bisect
import math
from typing import Literal

from fleet.behaviour._profile_schema import EvModel

Current = Literal["AC", "DC"]

AC_EFFICIENCY = 0.92  # grid -> cells through the on-board charger
DC_EFFICIENCY = 0.95  # DC link -> cells (the charger's AC/DC losses are before the EVSE meter)
CV_KNEE_PERCENT = 80.0  # above this SoC the cells are in constant voltage and accept less and less
CV_FLOOR = 0.05  # share of the EV's maximum still accepted at 100 % SoC (finite, so 100 % is reached)
# the station reports the SoC of the latest decision: a decision at least every 1 % keeps the SoC
# in its meter values as fresh as the integer percent an EV reports over ISO 15118 / CHAdeMO
SOC_STEP_PERCENT = 1.0
MAX_HOLD_S = 300.0  # seconds_until_change never says more: a bound on how stale a decision gets
MIN_HOLD_S = 1.0  # nor less (except for the exact time to the target): no busy loops at a knee
_SOC_EPSILON = 1e-6  # float rounding when the SoC lands on the target after an exact hold
# a lithium-ion pack's voltage rises with the SoC: under charge from ~0.88 x nominal when empty to
# ~1.04 x nominal when full (e.g. 352-416 V for a 400 V pack, 704-832 V for an 800 V one)
PACK_VOLTAGE_EMPTY = 0.88
PACK_VOLTAGE_FULL = 1.04


class ChargingBattery:
    """One EV's battery during one session, from ``soc_percent`` up to ``target_percent``.

    ``power_w`` sets the operating point (AC/DC and the limits); ``advance`` and
    ``seconds_until_change`` use the operating point of the latest ``power_w`` call.
    """

    def __init__(self, model: EvModel, soc_percent: float, target_percent: float) -> None:
        problems = []
        if not 0.0 <= soc_percent <= 100.0:
            problems.append(f"soc_percent must be within 0..100, got {soc_percent}")
        if not 0.0 <= target_percent <= 100.0:
            problems.append(f"target_percent must be within 0..100, got {target_percent}")
        socs = [point[0] for point in model.dc_curve]
        if socs != sorted(socs):
            problems.append(f"dc_curve SoC values must ascend (sort the [soc, kw] pairs), got {socs}")
        if problems:
            raise ValueError(f"ChargingBattery(EV model {model.name!r}): " + "; ".join(problems))
        self.model = model
        self.soc_percent = soc_percent
        self.target_percent = target_percent
        self.energy_wh = 0.0  # metered: what flowed through the EVSE during this session
        self._battery_wh = model.battery_kwh * 1000.0
        self._curve_socs = socs
        self._curve_w = [min(point[1], model.max_dc_kw) * 1000.0 for point in model.dc_curve]
        # the operating point of the latest power_w call: AC/DC and the constant limits
        self._current: Current = "AC"
        self._supply_limit_w: float | None = None

    @property
    def target_reached(self) -> bool:
        return self.soc_percent >= self.target_percent - _SOC_EPSILON

    @property
    def voltage_v(self) -> float:
        """The pack voltage at the current SoC: what a DC charger's output (DC link) sits at."""
        share = PACK_VOLTAGE_EMPTY + (PACK_VOLTAGE_FULL - PACK_VOLTAGE_EMPTY) * self.soc_percent / 100.0
        return self.model.pack_voltage_v * share

    def accepts(self, current: Current) -> bool:
        """False for DC on an EV without a DC inlet (``max_dc_kw = 0``): it draws nothing there."""
        return current == "AC" or self.model.max_dc_kw > 0

    def phases_used(self, current: Current, evse_phases: int) -> int:
        """AC: the phases both the EVSE and the on-board charger have. DC: the charger draws from
        all its grid phases whatever the EV is, so the station's phases."""
        if current == "DC":
            return evse_phases
        return min(self.model.ac_phases, evse_phases)

    def power_w(
        self,
        *,
        current: Current,
        evse_limit_w: float,
        evse_phases: int,
        cable_limit_w: float | None = None,
        smart_limit_w: float | None = None,
    ) -> float:
        """What the EV draws now: the smallest limit, 0 once the target is reached (SuspendedEV)."""
        if evse_limit_w < 0 or evse_phases not in (1, 2, 3):
            raise ValueError(
                f"ChargingBattery.power_w: evse_limit_w must be >= 0 and evse_phases 1, 2 or 3, "
                f"got {evse_limit_w} W and {evse_phases} phases"
            )
        supply = evse_limit_w
        if current == "AC":
            # a 1-phase car on a 3-phase EVSE only gets one phase's share of the EVSE's power
            supply = evse_limit_w / evse_phases * self.phases_used(current, evse_phases)
        for limit in (cable_limit_w, smart_limit_w):
            if limit is not None:
                supply = min(supply, max(0.0, limit))
        self._current = current
        self._supply_limit_w = supply
        return self._power_at(self.soc_percent)

    def advance(self, seconds: float, power_w: float) -> float:
        """Hold ``power_w`` for ``seconds``; returns the energy metered in Wh (power x time)."""
        if seconds < 0 or power_w < 0:
            raise ValueError(
                f"ChargingBattery.advance: seconds and power_w must be >= 0, got {seconds} s, {power_w} W"
            )
        metered_wh = power_w * seconds / 3600.0
        self.energy_wh += metered_wh
        self.soc_percent = min(100.0, self.soc_percent + metered_wh * self._soc_percent_per_wh())
        return metered_wh

    def seconds_until_change(
        self, power_w: float, tolerance: float = 0.05, soc_step_percent: float = SOC_STEP_PERCENT
    ) -> float | None:
        """How long ``power_w`` may be held before asking ``power_w()`` again: until the target is
        reached, the power at the new SoC differs from the power at the current SoC by more than
        ``tolerance`` (relative), or the SoC moved ``soc_step_percent``; at most ``MAX_HOLD_S``.
        None when nothing changes on its own (target reached, or no power flowing). (A caller
        that needs only the energy, not a fresh SoC for meter values, uses ``charge_for``.)"""
        if tolerance < 0 or soc_step_percent <= 0:
            raise ValueError(
                "ChargingBattery.seconds_until_change: tolerance must be >= 0 and soc_step_percent "
                f"> 0, got {tolerance} and {soc_step_percent}"
            )
        if self.target_reached or power_w <= 0:
            return None
        rate = power_w / 3600.0 * self._soc_percent_per_wh()  # SoC percent per second
        if rate <= 0.0:  # a power so small (5e-324 W) its rate underflows: nothing changes
            return None
        end = min(self.target_percent, 100.0, self.soc_percent + soc_step_percent)
        # a tiny power gives an infinite time to the end: the cap then applies
        to_horizon = min(MAX_HOLD_S, (end - self.soc_percent) / rate)
        horizon = min(end, self.soc_percent + rate * to_horizon)
        change = self._soc_where_power_changes(horizon, tolerance)
        if change is None:
            return to_horizon
        # the floor must not carry the SoC past the target
        return min(to_horizon, max(MIN_HOLD_S, (change - self.soc_percent) / rate))

    def charge_for(self, seconds: float) -> list[tuple[float, float]]:
        """Charge for ``seconds`` or until the target, drawing at every instant what the EV
        accepts (operating point of the latest ``power_w`` call): the exact solution of
        dSoC/dt = k * P(SoC) for the piecewise-linear power curve, one piece per stretch where
        P is linear in the SoC (an exponential in time; constant where a limit holds it).
        Returns the pieces as (seconds, metered Wh); ``soc_percent`` and ``energy_wh`` advance.
        A whole session takes a handful of pieces, whatever its length."""
        if seconds < 0:
            raise ValueError(f"ChargingBattery.charge_for: seconds must be >= 0, got {seconds}")
        per_wh = self._soc_percent_per_wh()
        per_joule = per_wh / 3600.0  # SoC percent per W.s
        end_soc = min(self.target_percent, 100.0)
        pieces: list[tuple[float, float]] = []
        left = seconds
        while left > 0.0 and not self.target_reached:
            start = self.soc_percent
            edge = self._next_edge(start, end_soc)
            # linear on [start, edge): the value at the edge is the line's (a curve may step there)
            p_start = self._power_ignoring_target(start)
            p_edge = 2.0 * self._power_ignoring_target((start + edge) / 2.0) - p_start
            if p_start <= 0.0:
                break
            slope = (p_edge - p_start) / (edge - start)  # W per SoC percent
            constant = abs(slope) * (edge - start) <= 1e-9 * p_start
            if constant:
                to_edge = (edge - start) / (per_joule * p_start)
            elif p_edge <= 0.0:
                to_edge = math.inf
            else:
                to_edge = math.log(p_edge / p_start) / (per_joule * slope)
            if to_edge <= left:
                taken, reached = to_edge, edge
            else:
                taken = left
                if constant:
                    reached = start + per_joule * p_start * taken
                else:
                    reached = start + p_start * math.expm1(per_joule * slope * taken) / slope
                reached = min(reached, edge)
            metered_wh = (reached - start) / per_wh
            self.energy_wh += metered_wh
            self.soc_percent = end_soc if reached >= end_soc - _SOC_EPSILON else reached
            pieces.append((taken, metered_wh))
            left -= taken
        return pieces

    def _next_edge(self, soc: float, end_soc: float) -> float:
        """The next SoC after ``soc`` where the power stops being linear in the SoC: a point of
        the EV's curve, where the EV's limit crosses the supply limit, or ``end_soc``."""
        step = 1e-9
        edge = end_soc
        for point in self._breakpoints():
            if soc + step < point < edge:
                edge = point
                break
        supply = self._supply_limit_w
        if supply is not None:
            # the EV's limit is linear on [soc, edge): its value at the edge from the midpoint
            ev_here = self._ev_limit_w(soc)
            ev_edge = 2.0 * self._ev_limit_w((soc + edge) / 2.0) - ev_here
            if (ev_here - supply) * (ev_edge - supply) < 0.0:
                crossing = soc + (supply - ev_here) * (edge - soc) / (ev_edge - ev_here)
                if soc + step < crossing < edge:
                    edge = crossing
        return edge

    # --- the power curve -----------------------------------------------------------------------

    def _soc_percent_per_wh(self) -> float:
        efficiency = AC_EFFICIENCY if self._current == "AC" else DC_EFFICIENCY
        return efficiency * 100.0 / self._battery_wh

    def _ev_limit_w(self, soc: float) -> float:
        """What the EV itself accepts at ``soc`` with the current operating point's AC/DC."""
        if self._current == "AC":
            return self.model.max_ac_kw * 1000.0 * _cc_cv_taper(soc)
        if self.model.max_dc_kw <= 0:
            return 0.0
        if not self._curve_socs:
            return self.model.max_dc_kw * 1000.0 * _cc_cv_taper(soc)
        return _interpolate(self._curve_socs, self._curve_w, soc)

    def _power_at(self, soc: float) -> float:
        if soc >= self.target_percent - _SOC_EPSILON:
            return 0.0  # the EV suspends
        return self._power_ignoring_target(soc)

    def _power_ignoring_target(self, soc: float) -> float:
        ev_limit = self._ev_limit_w(soc)
        return ev_limit if self._supply_limit_w is None else min(self._supply_limit_w, ev_limit)

    def _breakpoints(self) -> list[float]:
        """SoC values where the EV limit changes slope: the power is monotone in between."""
        if self._current == "DC" and self._curve_socs:
            return self._curve_socs
        return [CV_KNEE_PERCENT]

    def _soc_where_power_changes(self, horizon: float, tolerance: float) -> float | None:
        """The first SoC in (soc, horizon] whose power leaves reference x (1 +- tolerance)."""
        start = self.soc_percent
        reference = self._power_at(start)
        if reference <= 0 or horizon <= start:
            return None
        band = tolerance * reference
        edges = [soc for soc in self._breakpoints() if start < soc < horizon] + [horizon]
        low = start
        for high in edges:
            # min(constant, linear) is monotone on a segment: checking its end suffices
            power_high = self._power_ignoring_target(high)
            if abs(power_high - reference) > band:
                # the supply limit is constant and >= reference, so the power leaves the band where
                # the EV's (linear) limit crosses the band's edge: solve for that SoC
                edge = reference - band if power_high < reference else reference + band
                ev_low, ev_high = self._ev_limit_w(low), self._ev_limit_w(high)
                if ev_high == ev_low:  # pragma: no cover - the power changed, so the EV limit did
                    return high
                crossing = low + (edge - ev_low) * (high - low) / (ev_high - ev_low)
                return min(high, max(low, crossing))
            low = high
        return None


def _cc_cv_taper(soc: float) -> float:
    """1 up to the knee, then linearly down to ``CV_FLOOR`` at 100 % (a simple stand-in for the
    exponential current decay of the constant-voltage phase)."""
    if soc <= CV_KNEE_PERCENT:
        return 1.0
    return 1.0 - (1.0 - CV_FLOOR) * (min(soc, 100.0) - CV_KNEE_PERCENT) / (100.0 - CV_KNEE_PERCENT)


def _interpolate(xs: list[float], ys: list[float], x: float) -> float:
    """Linear in between the points, flat beyond the ends."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    if x1 == x0:
        return y1
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
