"""write_json: a round trip, and never a half-written file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

from fleet.metrics import RunRecorder, write_json


def a_summary() -> dict[str, Any]:
    recorder = RunRecorder()
    recorder.station_connected()
    recorder.call_succeeded("BootNotification", 0.0125)
    recorder.call_failed("Heartbeat", "Timeout", 30.0)
    recorder.transaction_started()
    recorder.transaction_ended(1234.5)
    recorder.error("websocket", "connection reset")
    return recorder.summary(ocpp_version="2.0.1", duration_s=12.5, stations_configured=1, extra={"seed": 7})


def test_round_trip(tmp_path: Path) -> None:
    summary = a_summary()
    target = tmp_path / "result.json"

    write_json(summary, str(target))

    assert msgspec.json.decode(target.read_bytes()) == summary
    assert target.read_text().count("\n") > 10  # indented for people, not one long line
    assert os.listdir(tmp_path) == ["result.json"]


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    target.write_text("old")

    write_json(a_summary(), target)

    assert msgspec.json.decode(target.read_bytes()) == a_summary()


def test_unencodable_summary_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    target.write_text("old")

    with pytest.raises(ValueError, match=r"result\.json.*not JSON-encodable"):
        write_json({"bad": object()}, target)

    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["result.json"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_interrupted_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "result.json"
    target.write_text("old")

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, failing, interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_json(a_summary(), target)
    monkeypatch.undo()

    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["result.json"]


def test_interrupted_first_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(OSError, match="disk full"):
        write_json(a_summary(), tmp_path / "result.json")
    monkeypatch.undo()

    assert os.listdir(tmp_path) == []
