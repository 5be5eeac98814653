"""The session model's counting: arithmetic progressions, clock ticks and power segments counted
in O(1) each must give what counting one by one gives."""

from __future__ import annotations

import random

from fleet.simulation._session_model import aligned_ticks
from fleet.simulation._session_tally import SessionTally


def test_periodic_runs_expand_to_the_seconds_of_their_ticks() -> None:
    rng = random.Random(5)
    tally = SessionTally(3_600, [])
    naive = [0] * 3_600
    for _ in range(200):
        period = rng.choice([30, 60, 300])
        first = rng.randrange(3_600)
        count = rng.randrange(0, 40)
        tally.count_periodic(first, period, count)
        for k in range(count):
            if first + k * period < 3_600:
                naive[first + k * period] += 1
    assert tally.transaction_events_per_second() == naive
    assert sum(naive) > 1_000


def test_aligned_runs_land_in_their_tick_seconds() -> None:
    ticks = aligned_ticks(epoch=1_767_571_200.0 - 3_600.0, interval=900, horizon=7_200.0)
    assert ticks == [900.0, 1_800.0, 2_700.0, 3_600.0, 4_500.0, 5_400.0, 6_300.0]
    tally = SessionTally(7_200, [int(tick + 0.02) for tick in ticks])
    tally.count_aligned(1, 3)  # ticks 1..3
    tally.count_aligned(2, 5)  # ticks 2..6
    events = tally.transaction_events_per_second()
    assert [events[int(tick)] for tick in ticks] == [0, 1, 2, 2, 1, 1, 1]
    assert sum(events) == 8


def test_a_tick_on_the_epoch_itself_is_not_in_the_period() -> None:
    assert aligned_ticks(epoch=900.0 * 10, interval=900, horizon=2_000.0) == [900.0, 1_800.0]
    assert aligned_ticks(epoch=100.0, interval=0, horizon=2_000.0) == []


def test_power_segments_integrate_into_minutes_within_rounding() -> None:
    rng = random.Random(9)
    tally = SessionTally(7_200, [])
    naive_j = [0.0] * 120
    overlapping = [0] * 120
    for _ in range(300):
        start = rng.uniform(0.0, 7_000.0)
        end = start + rng.uniform(0.5, 3_000.0)
        watts = rng.uniform(100.0, 150_000.0)
        tally.power(start, end, watts, "AC" if watts < 75_000.0 else "DC")
        clipped = min(end, 7_200.0)
        for minute in range(int(start // 60), int(clipped // 60) + 1):
            if minute < 120:
                overlap = min(clipped, (minute + 1) * 60.0) - max(start, minute * 60.0)
                naive_j[minute] += watts * max(0.0, overlap)
                overlapping[minute] += 1
    got = tally.sites.energy_per_minute_mj()
    for minute in range(120):
        # integers: a segment's edge minutes round to 1 mJ, its whole minutes' power to 1 mW (60 mJ)
        assert abs(got[minute] / 1000.0 - naive_j[minute]) <= 0.031 * overlapping[minute], minute
    assert sum(got) / 1000.0 > 1e9


def test_the_outcome_adds_up() -> None:
    tally = SessionTally(600, [])
    tally.count("BootNotification", 0)
    tally.count("StatusNotification", 1, 2)
    tally.count_periodic(10, 60, 5)
    tally.count("TransactionEvent", 130)
    tally.count_offline(130)
    tally.connected_changes += [(0.0, 1), (200.0, -1), (300.0, 1)]
    tally.open_changes += [(10.0, 1), (400.0, -1)]
    tally.power(10.0, 310.0, 7_200.0, "AC")  # 7.2 kW for 300 s = 600 Wh
    outcome = tally.to_outcome()
    ledger = outcome.ledger
    assert ledger.messages_by_action == {
        "BootNotification": 1,
        "StatusNotification": 2,
        "TransactionEvent": 6,
    }
    assert sum(ledger.per_second) == 9
    assert ledger.per_minute_by_action["TransactionEvent"][:3] == [1, 1, 2]
    assert ledger.offline_per_minute[2] == 1
    assert outcome.connected_series[:6] == [1, 1, 1, 0, 0, 1]
    assert outcome.open_transactions_series[:8] == [1, 1, 1, 1, 1, 1, 0, 0]
    assert ledger.delivered_mwh == 600_000
    assert outcome.energy_series_mwh[5] == 600_000
    assert outcome.connected_peak == 1
