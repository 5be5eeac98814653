"""`--capture FILE` on a disk that fills up: the capture stops, the run goes on (issue 17, 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleet.engine import FrameCapture


def test_frames_are_written_as_json_lines(tmp_path: Path) -> None:
    capture = FrameCapture(str(tmp_path / "c.jsonl"))
    capture.sent(1.5, "SIM-00000", '[2,"1","Heartbeat",{}]')
    capture.received(1.75, "SIM-00000", b'[3,"1",{}]')
    capture.close()
    lines = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert lines == [
        {"t": 1.5, "station": "SIM-00000", "dir": "sent", "frame": '[2,"1","Heartbeat",{}]'},
        {"t": 1.75, "station": "SIM-00000", "dir": "received", "frame": '[3,"1",{}]'},
    ]
    assert capture.failure is None


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_stops_the_capture_once_without_raising(capsys: pytest.CaptureFixture[str]) -> None:
    capture = FrameCapture("/dev/full")  # every write: ENOSPC, "No space left on device"
    frame = "x" * 1000
    for n in range(200):  # more than the write buffer holds
        capture.sent(float(n), "SIM-00000", frame)
    capture.close()
    capture.close()
    assert (
        capture.failure == "frame capture /dev/full: cannot write (No space left on device); capture stopped"
    )
    assert capsys.readouterr().err == f"fleet: error: {capture.failure}, the run goes on\n"
