"""OCPP 1.6J and mixed fleets through the trio shell: against the embedded CSMS in MockClock time,
and against the strict third-party CSMS built with the `ocpp` library (a real peer)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import trio
import trio.testing

from fleet.behaviour import DriverSettings
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job
from support import OcppSchemaValidator
from support.fleet_against_ocpp_lib import STATIONS, run_fleet_against_ocpp_lib_csms
from support.run_summary import run_cleanly_in_process, summary_errors


def _validate_mixed_capture(capture: Path, tmp_path: Path) -> tuple[dict[str, int], list[str]]:
    """Split a capture by the version each station spoke (its boot says it), validate each part
    against its own schemas; returns (stations per version, violations)."""
    lines_of: dict[str, list[str]] = defaultdict(list)
    version_of: dict[str, str] = {}
    for line in capture.read_text().splitlines():
        record = json.loads(line)
        frame = json.loads(record["frame"])
        station = record["station"]
        if record["dir"] == "sent" and frame[0] == 2 and frame[2] == "BootNotification":
            version_of.setdefault(station, "1.6" if "chargePointVendor" in frame[3] else "2.0.1")
        lines_of[station].append(line)
    violations: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    for version in ("1.6", "2.0.1"):
        part = tmp_path / f"frames-{version}.jsonl"
        stations = [s for s, v in version_of.items() if v == version]
        counts[version] = len(stations)
        part.write_text("".join(line + "\n" for s in stations for line in lines_of[s]))
        violations += OcppSchemaValidator(version).validate_capture(part)
    return dict(counts), violations


async def test_fleet_run_ocpp_1_6_200_stations_30_seconds(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    """`fleet run --ocpp 1.6 --stations 200 --duration 30` as the CLI builds it: zero errors and
    every frame sent valid against the official OCPP 1.6 schemas."""
    capture = tmp_path / "frames.jsonl"
    summary = await run_cleanly_in_process(
        ["run", "--ocpp", "1.6", "--stations", "200", "--duration", "30", "--capture", str(capture)],
        timeout_s=100,
    )
    assert summary["ocpp_version"] == "1.6"
    assert summary["stations_by_ocpp_version"] == {"1.6": 200, "2.0.1": 0}
    assert summary["stations"]["connected_peak"] == 200
    assert summary["actions"]["BootNotification"]["ok"] == 200
    assert summary["actions"]["StartTransaction"]["ok"] > 0
    assert "TransactionEvent" not in summary["actions"]
    assert OcppSchemaValidator("1.6").validate_capture(capture) == []


async def test_a_mixed_fleet_charges_in_both_versions_against_the_embedded_csms(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    capture = tmp_path / "frames.jsonl"
    job = RunJob(
        fleet=FleetConfig(csms_url="", stations=30, duration_s=900, ramp_per_s=10, seed=5),
        driver=DriverSettings(mean_idle_s=60, mean_charge_s=120, step_s=2),
        capture_path=str(capture),
        ocpp=OcppMix.parse("mix:0.7"),
    )
    with trio.fail_after(1_000):
        result = await run_job(job)
    summary = result.summary
    assert result.exit_code == 0 and summary is not None
    assert summary_errors(summary) == []
    assert summary["ocpp_version"] == "mixed"
    assert summary["stations_by_ocpp_version"] == {"1.6": 21, "2.0.1": 9}
    assert (
        summary["actions"]["StopTransaction"]["ok"] > 0 and summary["actions"]["TransactionEvent"]["ok"] > 0
    )
    counts, violations = _validate_mixed_capture(capture, tmp_path)
    assert counts == {"1.6": 21, "2.0.1": 9}
    # results per version: each version's actions, stations and totals, adding up to the run's
    per_version = summary["by_ocpp_version"]
    assert set(per_version["1.6"]["actions"]) >= {"BootNotification", "StartTransaction", "StopTransaction"}
    assert "TransactionEvent" not in per_version["1.6"]["actions"]
    assert "StartTransaction" not in per_version["2.0.1"]["actions"]
    assert per_version["1.6"]["stations"]["booted"] == 21 and per_version["2.0.1"]["stations"]["booted"] == 9
    for action, stats in summary["actions"].items():
        assert stats["ok"] == sum(v["actions"].get(action, {}).get("ok", 0) for v in per_version.values())
    assert violations == []


async def test_a_mixed_fleet_against_the_ocpp_library_csms_has_zero_violations(tmp_path: Path) -> None:
    run = await run_fleet_against_ocpp_lib_csms(
        tmp_path, "--ocpp", "mix:0.5", "--idle-mean", "2", "--charge-mean", "3"
    )
    assert run.csms["violations"] == []
    assert run.csms["stations"] == STATIONS
    assert summary_errors(run.result) == []
    assert run.result["ocpp_version"] == "mixed"
    assert run.result["actions"]["StartTransaction"]["ok"] > 0
    counts, violations = _validate_mixed_capture(run.capture, tmp_path)
    assert counts == {"1.6": STATIONS // 2, "2.0.1": STATIONS // 2}
    assert violations == []
