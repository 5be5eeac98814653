"""`fleet run --segment K/N` and `fleet merge` as the CLI runs them (subprocesses): the merged
result of two real segments, and the one-line refusals (exit 2) of bad segments and bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fleet.cli._exit_codes import ExitCode

FLEET = [sys.executable, "-m", "fleet"]
RUN = ["run", "--stations", "4", "--duration", "2", "--drain-timeout", "0", "--seed", "3"]


def _fleet(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FLEET, *arguments], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Segments 1/2 and 2/2 of one 4-station fleet, run at the same time, as --out files."""
    directory = tmp_path_factory.mktemp("segments")
    paths = [directory / f"segment-{k}.json" for k in (0, 1)]
    runs = [
        subprocess.Popen(
            [*FLEET, *RUN, "--segment", f"{k + 1}/2", "--out", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k, path in enumerate(paths)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 0, stderr
    return paths


def _refused(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == ExitCode.BAD_INPUT, done.stderr
    lines = done.stderr.strip().splitlines()
    return lines[-1]


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("0/4", "argument --segment: '0/4': K must be between 1 and N, e.g. 1/4"),
        ("5/4", "argument --segment: '5/4': K must be between 1 and N, e.g. 1/4"),
        ("abc", "argument --segment: 'abc': use K/N, e.g. 2/8 (the 2nd of 8 segments)"),
    ],
)
def test_a_bad_segment_is_refused_in_one_line(segment: str, expected: str) -> None:
    assert _refused(_fleet(*RUN, "--segment", segment)) == f"fleet run: error: {expected}"


def test_more_segments_than_stations_is_refused() -> None:
    line = _refused(_fleet(*RUN, "--segment", "1/5"))
    assert (
        line == "fleet run: error: --segment 1/5: 5 segments of --stations 4 leave a segment without stations"
    )


def test_a_segment_result_says_which_segment_and_runs_its_share(segments: list[Path]) -> None:
    first, second = (json.loads(path.read_text()) for path in segments)
    assert first["segment"] == {"index": 1, "of": 2} and second["segment"] == {"index": 2, "of": 2}
    assert first["stations"]["configured"] == 4  # the whole fleet's size
    assert first["stations"]["booted"] == second["stations"]["booted"] == 2


def test_merge_combines_the_segments_into_the_whole_fleets_result(
    segments: list[Path], tmp_path: Path
) -> None:
    out, report = tmp_path / "merged.json", tmp_path / "merged.html"
    done = _fleet("merge", *map(str, reversed(segments)), "--out", str(out), "--report", str(report))
    assert done.returncode == ExitCode.OK, done.stderr
    merged = json.loads(out.read_text())
    parts = [json.loads(path.read_text()) for path in segments]
    assert merged["stations"]["configured"] == 4 and merged["stations"]["booted"] == 4
    assert merged["messages_sent"] == sum(p["messages_sent"] for p in parts)
    for action, stats in merged["actions"].items():
        assert stats["sent"] == sum(p["actions"].get(action, {}).get("sent", 0) for p in parts), action
    assert "segment" not in merged and "mergeable" not in merged
    assert [s["index"] for s in merged["segments"]] == [1, 2]
    assert report.read_text().startswith("<!DOCTYPE html>")


def _edited(source: Path, target: Path, edit: dict[str, Any]) -> str:
    data = json.loads(source.read_text())
    for dotted, value in edit.items():
        *parents, key = dotted.split(".")
        node = data
        for parent in parents:
            node = node[parent]
        node[key] = value
    target.write_text(json.dumps(data))
    return str(target)


def test_merge_refuses_segments_of_different_fleets(segments: list[Path], tmp_path: Path) -> None:
    other = _edited(segments[1], tmp_path / "other.json", {"mergeable.fleet.seed": 4})
    line = _refused(_fleet("merge", str(segments[0]), other, "--out", str(tmp_path / "m.json")))
    assert line == f"fleet merge: error: {other} is of another fleet than {segments[0]}: seed 4 vs 3"


def test_merge_names_a_missing_segment(segments: list[Path], tmp_path: Path) -> None:
    line = _refused(_fleet("merge", str(segments[0]), "--out", str(tmp_path / "m.json")))
    assert line == "fleet merge: error: segment 2 of 2 missing"


def test_merge_names_a_segment_given_twice(segments: list[Path], tmp_path: Path) -> None:
    copy = _edited(segments[0], tmp_path / "copy.json", {})
    line = _refused(
        _fleet("merge", str(segments[0]), copy, str(segments[1]), "--out", str(tmp_path / "m.json"))
    )
    assert line == f"fleet merge: error: segment 1/2 given twice: {segments[0]} and {copy}"


def test_merge_refuses_a_file_that_is_no_segment_result(segments: list[Path], tmp_path: Path) -> None:
    plain = _edited(segments[0], tmp_path / "plain.json", {})
    data = json.loads(Path(plain).read_text())
    del data["segment"]
    Path(plain).write_text(json.dumps(data))
    line = _refused(_fleet("merge", plain, str(segments[1]), "--out", str(tmp_path / "m.json")))
    assert (
        line
        == f"fleet merge: error: {plain}: not a segment result (write one with fleet run --segment K/N --out)"
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    line = _refused(_fleet("merge", str(broken), "--out", str(tmp_path / "m.json")))
    assert line.startswith(f"fleet merge: error: {broken}: not JSON (")
