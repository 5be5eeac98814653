"""`fleet run --segment K/N` in the engine, and `merge_segments`: 4 segments of a fleet, run
in MockClock time and merged, equal the one-process run of the same fleet."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, RunJob, Segment, merge_segments, mergeable_part, run_job

STATIONS = 8


def _job(segment: Segment | None) -> RunJob:
    return RunJob(
        fleet=FleetConfig(
            csms_url="", stations=STATIONS, duration_s=300, ramp_per_s=4, seed=7, segment=segment
        ),
        driver=DriverSettings(mean_idle_s=30, mean_charge_s=60, step_s=5),
        sim_start_epoch=1_700_000_000.0,
    )


async def _run(segment: Segment | None) -> dict[str, Any]:
    job = _job(segment)
    with trio.fail_after(1_000):
        result = await run_job(job)
    assert result.summary is not None
    summary = result.summary
    if segment is not None:
        summary["segment"] = segment.to_dict()
        summary["mergeable"] = mergeable_part(job, result, 1_700_000_000.0)
    read_back: dict[str, Any] = json.loads(json.dumps(summary))  # as read back from the --out file
    return read_back


def test_segments_are_disjoint_strided_slices_of_the_whole_fleet() -> None:
    parts = [Segment(k, 3).indices(10) for k in (1, 2, 3)]
    assert [list(p) for p in parts] == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    config = FleetConfig(csms_url="", stations=10, segment=Segment(2, 3))
    assert config.my_indices == range(1, 10, 3)
    # a worker shard of a segment is a slice of the segment, never of the whole fleet
    assert replace(config, indices=range(4, 10, 6)).my_indices == range(4, 10, 6)


@pytest.mark.parametrize("text", ["0/4", "5/4", "abc", "1/0", "2/", "-1/4"])
def test_a_bad_segment_is_refused_naming_it(text: str) -> None:
    with pytest.raises(ValueError, match="K"):
        Segment.parse(text)


async def test_four_merged_segments_equal_the_one_process_run(autojump_clock: trio.testing.MockClock) -> None:
    whole = await _run(None)
    segments = [await _run(Segment(k, 4)) for k in (4, 2, 1, 3)]  # any order
    merged = json.loads(
        json.dumps(merge_segments([(f"segment-{s['segment']['index']}.json", s) for s in segments]))
    )
    # the merged result has the one-process result's keys; a segment's embedded CSMS is its own
    # (its ledger is kept per segment under "segments", so no fleet-wide "csms" or "loss")
    assert set(whole) - {"csms", "loss"} <= set(merged)
    assert set(merged) - set(whole) == {"run", "segments"}
    assert [s["index"] for s in merged["segments"]] == [1, 2, 3, 4]
    assert merged["stations"]["configured"] == STATIONS
    assert merged["stations"]["booted"] == whole["stations"]["booted"] == STATIONS
    assert merged["messages_sent"] == whole["messages_sent"]
    assert merged["transactions"] == whole["transactions"]
    assert merged["errors"] == whole["errors"] == []
    assert set(merged["actions"]) == set(whole["actions"])
    for action, stats in whole["actions"].items():
        mine = merged["actions"][action]
        assert (mine["sent"], mine["ok"], mine["errors"]) == (stats["sent"], stats["ok"], stats["errors"]), (
            action
        )
    # on MockClock the latencies are deterministic (the embedded CSMS answers in 0 virtual
    # seconds): every histogram merged bucket-wise gives the one-process percentiles, curves and
    # per-interval histograms exactly
    assert merged["actions"] == whole["actions"]
    assert merged["timeseries"]["histograms"]["latency"] == whole["timeseries"]["histograms"]["latency"]
    assert merged["timeseries"]["messages"] == whole["timeseries"]["messages"]
