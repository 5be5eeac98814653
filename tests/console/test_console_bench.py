"""bench.console_micro (the in-process half of `python -m bench.console_cost`) runs and reports
every figure bench/README.md quotes, on a small fleet."""

from __future__ import annotations

import pytest

from bench import console_micro


def test_the_in_process_console_costs_are_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_micro, "STATIONS", 20)
    monkeypatch.setattr(console_micro, "ROUNDS", 5)
    monkeypatch.setattr(console_micro, "PAGE_STATIONS", 2_000)
    costs = console_micro.micro_costs()
    assert set(costs) == {
        "session_us_per_frame_without_console",
        "session_us_per_frame_with_live_view",
        "live_view_us_per_frame",
        "station_list_page_ms_50k_sorted_by_messages",
        "station_list_page_ms_50k_id_filter",
    }
    assert (
        costs["session_us_per_frame_with_live_view"] > 0 and costs["session_us_per_frame_without_console"] > 0
    )
    assert costs["live_view_us_per_frame"] == pytest.approx(
        costs["session_us_per_frame_with_live_view"] - costs["session_us_per_frame_without_console"], abs=0.02
    )
