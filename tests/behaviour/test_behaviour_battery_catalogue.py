"""Picking the EV that arrives (by share) and its arrival/target SoC."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from fleet.behaviour import EvModel, draw_session_soc, pick_ev_model
from fleet.behaviour._profile_schema import Fixed, Normal

CHI_SQUARE_2_DOF_999 = 13.816  # 99.9 % quantile of chi-square with 2 degrees of freedom

MODELS = [
    EvModel(name="small-ac", share=0.5, battery_kwh=40, max_ac_kw=7.4, ac_phases=1),
    EvModel(name="mid", share=0.3, battery_kwh=60, max_ac_kw=11, max_dc_kw=100),
    EvModel(name="big", share=0.2, battery_kwh=90, max_ac_kw=11, max_dc_kw=250),
]


def test_models_are_picked_by_share() -> None:
    rng = random.Random(11)
    draws = 10_000
    counts = Counter(pick_ev_model(MODELS, rng).name for _ in range(draws))
    chi_square = sum((counts[m.name] - draws * m.share) ** 2 / (draws * m.share) for m in MODELS)
    assert chi_square < CHI_SQUARE_2_DOF_999, counts


def test_a_dc_charger_only_sees_cars_with_a_dc_inlet_in_their_relative_shares() -> None:
    rng = random.Random(12)
    draws = 10_000
    counts = Counter(pick_ev_model(MODELS, rng, current="DC").name for _ in range(draws))
    assert counts["small-ac"] == 0
    # mid:big = 0.3:0.2 -> 0.6 of DC arrivals; 99.9 % binomial interval is +- 3.29 sd
    sd = (draws * 0.6 * 0.4) ** 0.5
    assert abs(counts["mid"] - 0.6 * draws) < 3.29 * sd, counts


def test_a_catalogue_nobody_can_be_picked_from_says_how_to_fix_it() -> None:
    with pytest.raises(ValueError, match=r"a DC inlet .* among \['small-ac'\]; give at least one"):
        pick_ev_model(MODELS[:1], random.Random(1), current="DC")
    zero = [EvModel(name="z", share=0.0, battery_kwh=40, max_ac_kw=7.4)]
    with pytest.raises(ValueError, match="share > 0"):
        pick_ev_model(zero, random.Random(1))


def test_session_soc_keeps_the_target_above_the_arrival_and_at_most_100() -> None:
    rng = random.Random(13)
    assert draw_session_soc(Fixed(value=20.0), Fixed(value=80.0), rng) == (20.0, 80.0)
    assert draw_session_soc(Fixed(value=85.0), Fixed(value=80.0), rng) == (85.0, 86.0)
    assert draw_session_soc(Fixed(value=100.0), Fixed(value=100.0), rng) == (99.0, 100.0)
    assert draw_session_soc(Fixed(value=-5.0), Fixed(value=120.0), rng) == (0.0, 100.0)
    for _ in range(2_000):  # wide normals: many draws fall outside 0..100 and need the clamps
        arrival, target = draw_session_soc(Normal(mean=40, sd=40), Normal(mean=80, sd=30), rng)
        assert 0.0 <= arrival < target <= 100.0
