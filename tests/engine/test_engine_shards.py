"""fleet run --workers: one merged result from several worker processes, deaths reported."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

import trio

from fleet.engine import EXIT_OK, EXIT_WORKER_DIED, FleetConfig, OcppMix, RunJob, run_sharded
from fleet.metrics import RunRecorder, format_summary, write_html_report

_ADDRESSES = ("127.0.0.2", "127.0.0.3")


def _job(stations: int, duration_s: float) -> RunJob:
    # csms_url "": the embedded CSMS, in its own worker processes
    return RunJob(
        fleet=FleetConfig(
            csms_url="",
            stations=stations,
            duration_s=duration_s,
            ramp_per_s=100.0,
            seed=7,
            source_addresses=_ADDRESSES,
        )
    )


async def test_two_workers_give_one_exactly_merged_result() -> None:
    reports: dict[int, dict[str, Any]] = {}
    with trio.fail_after(60):
        result = await run_sharded(_job(40, 4.0), 2, csms_workers_count=1, worker_reports=reports)
    assert result.exit_code == EXIT_OK
    summary = result.summary
    assert summary is not None and result.recorder is not None
    assert summary["workers"]["died"] == []
    # the result is exactly the merge of what the two workers reported: counts and histograms
    assert sorted(reports) == [0, 1]
    mine = RunRecorder()
    for report in reports.values():
        mine.merge(RunRecorder.from_dict(report))
    assert result.recorder.to_dict() == mine.to_dict()
    per_worker = [RunRecorder.from_dict(r).to_dict() for r in reports.values()]
    assert all(w["booted"] > 0 for w in per_worker)  # both workers ran stations
    assert summary["stations"]["booted"] == sum(w["booted"] for w in per_worker)
    boots = [w["actions"]["BootNotification"] for w in per_worker]
    merged_boots = summary["actions"]["BootNotification"]
    assert merged_boots["sent"] == sum(b["sent"] for b in boots)
    assert merged_boots["latency_ms"]["count"] == sum(n for b in boots for _, n in b["ok_latency"]["buckets"])
    # distinct ids: the CSMS (its own process) saw as many different stations boot as booted
    assert summary["csms"]["stations_booted"] == summary["stations"]["booted"]
    assert summary["csms"]["messages_by_action"]["BootNotification"] == merged_boots["ok"]
    # station i connected from address i % 2, whichever worker ran it
    assert set(summary["source_addresses"]) == set(_ADDRESSES)
    assert sum(summary["source_addresses"].values()) == summary["stations"]["connected_peak"]
    # the workers' time series are added point by point: every boot is in the merged series
    boot_latencies = summary["timeseries"]["histograms"]["latency"]["BootNotification"]
    assert sum(sum(n for _, n in h["buckets"]) for h in boot_latencies if h) == merged_boots["ok"]


async def test_a_mixed_fleet_over_two_workers_keeps_its_results_per_ocpp_version() -> None:
    job = replace(_job(12, 4.0), ocpp=OcppMix(0.5))
    with trio.fail_after(60):
        result = await run_sharded(job, 2, csms_workers_count=1)
    assert result.exit_code == EXIT_OK
    summary = result.summary
    assert summary is not None
    by_version = summary["by_ocpp_version"]
    assert sorted(by_version) == ["1.6", "2.0.1"]
    assert {v: by_version[v]["stations"]["configured"] for v in by_version} == summary[
        "stations_by_ocpp_version"
    ]
    assert all(by_version[v]["stations"]["booted"] == 6 for v in by_version)
    for action in ("BootNotification", "StatusNotification"):
        total = summary["actions"][action]["sent"]
        assert total == sum(by_version[v]["actions"].get(action, {"sent": 0})["sent"] for v in by_version)


def _worker_pids() -> list[int]:
    """This process's children that run a fleet shard (read from /proc: Linux only)."""
    pids = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"fleet.engine._worker" in cmdline:
                pids.append(int(pid))
    return sorted(pids)


def _two_free_ports() -> int:
    """A loopback port P with P+1 free too (worker k serves P+k)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port: int = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise AssertionError("no two consecutive free loopback ports")


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5.0) as response:
        text: str = response.read().decode()
    return text


async def test_a_killed_worker_is_reported_its_stations_disconnected_and_the_others_data_kept(
    tmp_path: Path,
) -> None:
    connected = trio.Event()
    died = trio.Event()
    lines: list[str] = []
    scraped: list[str] = []
    metrics_port = _two_free_ports()

    def progress(line: str, elapsed: float) -> None:
        lines.append(line)
        if "stations 10/10 connected" in line:
            connected.set()
        if "worker 1 died" in line:
            died.set()

    async def kill_second_worker_once_connected() -> None:
        with trio.fail_after(40):
            await connected.wait()
        pids = _worker_pids()
        assert len(pids) == 2
        os.kill(pids[1], signal.SIGKILL)  # spawned second: worker 1
        # the parent notices within a progress tick or two and serves worker 1's port itself
        with trio.fail_after(20):
            await died.wait()
            while not scraped:
                with contextlib.suppress(OSError):
                    scraped.append(await trio.to_thread.run_sync(_scrape, metrics_port + 1))
                await trio.sleep(0.1)

    job = replace(_job(10, 8.0), metrics_port=metrics_port, metrics_host="127.0.0.1")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(kill_second_worker_once_connected)
        with trio.fail_after(60):
            result = await run_sharded(job, 2, csms_workers_count=1, progress=progress)
    assert result.exit_code == EXIT_WORKER_DIED
    summary = result.summary
    assert summary is not None
    died = summary["workers"]["died"]
    assert len(died) == 1
    assert died[0].startswith(
        "worker 1 (stations SIM-00001, SIM-00003, ... SIM-00009 (5)) died: killed by SIGKILL"
    )
    # both workers' stations are in the result: worker 1's up to its last report
    assert summary["stations"]["connected_peak"] == 10
    # ... but worker 1's stations are not connected at the end (they were: issue 17, finding 5)
    assert summary["stations"]["connected_at_end"] == 5
    [entry] = [e for e in summary["errors"] if e["kind"] == "worker_died"]
    assert entry["message"].startswith("worker 1 (stations SIM-00001, SIM-00003, ... SIM-00009 (5)) died")
    assert entry["count"] == 1
    printed = format_summary(summary)
    assert "errors: none" not in printed and "worker 1 (stations SIM-00001" in printed
    write_html_report(tmp_path / "report.html", summary)
    report = (tmp_path / "report.html").read_text()
    assert "10 peak connected, 5 at the end" in report and "worker_died" in report
    # the progress lines after the death show worker 1's stations gone and name the worker
    after = [line for line in lines if "died" in line]
    assert after and all("stations 5/10 connected" in line for line in after)
    assert after[-1].endswith(", worker 1 died")
    # Prometheus: worker 1's port, served by the parent, shows its 5 stations, none connected
    [metrics] = scraped
    assert 'ocpp_fleet_stations_configured{ocpp_version="2.0.1"} 5.0' in metrics
    assert 'ocpp_fleet_stations{ocpp_version="2.0.1",state="booted"} 0.0' in metrics
    assert 'ocpp_fleet_stations{ocpp_version="2.0.1",state="offline"} 5.0' in metrics
    assert 'ocpp_fleet_errors_total{kind="worker_died",ocpp_version="2.0.1"} 1.0' in metrics
