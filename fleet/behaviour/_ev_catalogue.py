"""Which EV arrives, and how full it is: picks from a profile's EV catalogue by share."""

from __future__ import annotations

import random
from typing import Literal

from fleet.behaviour._distributions import draw
from fleet.behaviour._profile_schema import Distribution, EvModel

# a driver plugs in to gain something: a drawn target at or below the arrival SoC is lifted this
# far above it (still capped at 100 %)
MIN_SOC_GAIN_PERCENT = 1.0
_MAX_ARRIVAL_PERCENT = 100.0 - MIN_SOC_GAIN_PERCENT


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
