"""The frame fuzzer (bench/fuzz_frames.py) keeps working: a small seeded run of each target finds
nothing and writes its result, the same seed gives the same run, an exception outside a target's
contract is reported with the frame that caused it, and hypothesis's bytes go through the same
contract checks. The volume run (10^6 frames per target) is a bench job: bench/README.md "Fuzzing"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import fuzz_frames

REPO = Path(__file__).resolve().parents[2]
SMOKE_FRAMES = 2_000


def _run(tmp_path: Path, name: str, *extra: str) -> dict[str, object]:
    out = tmp_path / name
    code = fuzz_frames.main(
        ["--frames", str(SMOKE_FRAMES), "--seed", "7", "--episode", "500", "--out", str(out), *extra]
    )
    document: dict[str, object] = json.loads(out.read_text())
    document["exit"] = code
    return document


def test_a_small_run_of_both_targets_finds_nothing_and_writes_its_result(tmp_path: Path) -> None:
    document = _run(tmp_path, "fuzz.json", "--target", "both", "--checkpoint", "1000")
    assert document["exit"] == 0
    targets = document["targets"]
    assert isinstance(targets, dict) and set(targets) == {"station", "csms"}
    for result in targets.values():
        assert result["frames"] == SMOKE_FRAMES
        assert result["findings"] == []
        assert result["frames_per_s"] > 0
        assert result["refused_with_protocol_error"] > 0  # the garbage did reach the targets
        assert [point["frames"] for point in result["memory"]["checkpoints"]] == [0, 1000, 2000]


def test_the_same_seed_gives_the_same_run(tmp_path: Path) -> None:
    first = fuzz_frames.run_target("station", SMOKE_FRAMES, 3, 500, SMOKE_FRAMES)
    second = fuzz_frames.run_target("station", SMOKE_FRAMES, 3, 500, SMOKE_FRAMES)
    assert first.refused == second.refused
    assert first.findings == second.findings


def test_an_exception_outside_the_contract_is_a_finding_with_its_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_feed(self: fuzz_frames.CsmsTarget, data: str | bytes, now: float) -> list[str]:
        raise KeyError("boom")

    monkeypatch.setattr(fuzz_frames.CsmsTarget, "feed", broken_feed)
    result = fuzz_frames.run_target("csms", 50, 1, 500, 50)
    (finding,) = result.findings.values()
    assert finding.count == 50
    assert finding.exception == "KeyError: 'boom'"
    assert "broken_feed" in finding.where
    assert finding.frame  # the frame that triggered it, to turn into a regression test


def test_a_call_the_target_leaves_unanswered_is_a_finding() -> None:
    with pytest.raises(fuzz_frames.BadOutput, match="answered the CALL 'a' 0 times"):
        fuzz_frames._check_output("2.0.1", '[2,"a","Reset",{"type":"Immediate"}]', [])
    with pytest.raises(fuzz_frames.BadOutput, match="ResetResponse refuses"):
        fuzz_frames._check_output(
            "2.0.1", '[2,"a","Reset",{"type":"Immediate"}]', ['[3,"a",{"status":"No"}]']
        )


@settings(max_examples=200, deadline=None)
@given(
    target=st.sampled_from(["station", "csms"]), version=st.sampled_from(["2.0.1", "1.6"]), data=st.binary()
)
def test_hypothesis_bytes_into_a_booted_target_keep_the_contract(
    target: str, version: str, data: bytes
) -> None:
    booted = fuzz_frames._booted(target, "1.6" if version == "1.6" else "2.0.1")
    fuzz_frames._answer_of(booted, data, 1.0)


def test_bad_arguments_are_refused_in_one_line() -> None:
    completed = subprocess.run(
        [sys.executable, "bench/fuzz_frames.py", "--frames", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "--frames must be >= 1, got 0" in completed.stderr


def test_the_atheris_engine_runs_where_atheris_is_installed(tmp_path: Path) -> None:
    pytest.importorskip("atheris")  # not a project dependency: `pip install atheris`
    out = tmp_path / "atheris.json"
    completed = subprocess.run(
        [sys.executable, "bench/fuzz_frames.py", "--engine", "atheris", "--frames", "300", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    document = json.loads(out.read_text())
    assert document["runs"] == 300
    assert document["findings"] == []
