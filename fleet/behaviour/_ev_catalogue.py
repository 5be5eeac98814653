"""Which EV arrives, and how full it is: picks from a profile's EV catalogue by share; and what a
model's DC curve gives over a SoC window, to check it against published figures."""

from __future__ import annotations

import random
from typing import Literal

from fleet.behaviour._battery import ChargingBattery
from fleet.behaviour._distributions import draw
from fleet.behaviour._profile_schema import Distribution, EvModel

# a driver plugs in to gain something: a drawn target at or below the arrival SoC is lifted this
# far above it (still capped at 100 %)
MIN_SOC_GAIN_PERCENT = 1.0
_MAX_ARRIVAL_PERCENT = 100.0 - MIN_SOC_GAIN_PERCENT
# a charger that never limits: the window figures are the EV's own (published tests use HPC chargers)
_UNLIMITED_CHARGER_W = 1_000_000.0


def pick_ev_model(
    models: list[EvModel], rng: random.Random, *, current: Literal["AC", "DC"] | None = None
) -> EvModel:
    """One model, with probability proportional to its ``share``. With ``current="DC"`` only
    models with a DC inlet (``max_dc_kw > 0``) are candidates: an AC-only car does not stop at a
    DC charger."""
    candidates = [m for m in models if current != "DC" or m.max_dc_kw > 0]
    weights = [m.share for m in candidates]
    if not candidates or sum(weights) <= 0:
        names = [m.name for m in models]
        need = "a DC inlet (max_dc_kw > 0) and " if current == "DC" else ""
        raise ValueError(
            f"pick_ev_model: no EV model with {need}a share > 0 among {names}; "
            "give at least one such model in the profile's ev_models a positive share"
        )
    return rng.choices(candidates, weights)[0]


def draw_session_soc(arrival: Distribution, target: Distribution, rng: random.Random) -> tuple[float, float]:
    """(arrival SoC, target SoC) in percent: arrival within 0..99, target in (arrival, 100]."""
    arrival_soc = min(max(draw(arrival, rng), 0.0), _MAX_ARRIVAL_PERCENT)
    target_soc = min(max(draw(target, rng), arrival_soc + MIN_SOC_GAIN_PERCENT), 100.0)
    return arrival_soc, target_soc


def dc_window(model: EvModel, from_percent: float, to_percent: float) -> tuple[float, float]:
    """(minutes, average kW metered at the charger) for the model to charge from ``from_percent``
    to ``to_percent`` SoC on a charger that never limits it: the session physics of ``fleet run``
    and ``fleet simulate`` (``ChargingBattery``), the figure a published test reports."""
    if model.max_dc_kw <= 0 or not 0.0 <= from_percent < to_percent <= 100.0:
        raise ValueError(
            f"dc_window({model.name!r}, {from_percent}, {to_percent}): needs a DC inlet "
            "(max_dc_kw > 0) and 0 <= from_percent < to_percent <= 100"
        )
    battery = ChargingBattery(model, from_percent, to_percent)
    battery.power_w(current="DC", evse_limit_w=_UNLIMITED_CHARGER_W, evse_phases=3)
    pieces = battery.charge_for(7 * 86_400.0)
    seconds = sum(taken for taken, _ in pieces)
    energy_kwh = sum(wh for _, wh in pieces) / 1000.0
    return seconds / 60.0, energy_kwh / (seconds / 3600.0)
