"""`fleet run` as a function: embedded CSMS if none is given, the fleet, progress, the summary."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import trio

from fleet.behaviour import DriverSettings, SimulatedStation
from fleet.csms import CsmsConfig, CsmsServer, serve_csms
from fleet.engine._capture import FrameCapture
from fleet.engine._config import FleetConfig
from fleet.engine._fleet import CsmsUnreachable, run_fleet
from fleet.engine._protocol import ShellStation
from fleet.metrics import RunRecorder, format_progress
from fleet.station import StationConfig

EXIT_OK = 0
EXIT_UNREACHABLE = 1


@dataclass(frozen=True, slots=True)
class RunJob:
    fleet: FleetConfig  # csms_url "" means: start the embedded CSMS on a free loopback port
    csms: CsmsConfig = field(default_factory=CsmsConfig)
    evses_per_station: int = 1
    driver: DriverSettings = field(default_factory=DriverSettings)
    capture_path: str | None = None


@dataclass(frozen=True, slots=True)
class JobResult:
    exit_code: int
    summary: dict[str, Any] | None
    failure: str | None = None  # one line saying why the run could not happen


async def run_job(job: RunJob, *, progress: Callable[[str, float], None] | None = None) -> JobResult:
    recorder = RunRecorder()
    async with trio.open_nursery() as nursery:
        server: CsmsServer | None = None
        fleet = job.fleet
        if not fleet.csms_url:
            server = await nursery.start(serve_csms, job.csms, "127.0.0.1", 0)
            fleet = replace(fleet, csms_url=server.url)
        capture = FrameCapture(job.capture_path) if job.capture_path else None
        # the station's wall clock: real UTC time, advancing with trio's clock
        epoch = time.time() - trio.current_time()

        def make_station(station_id: str, rng: Any) -> ShellStation:
            config = StationConfig(
                station_id=station_id, evse_count=job.evses_per_station, wall_clock_epoch=epoch
            )
            return SimulatedStation(config, rng, job.driver, start_at=trio.current_time())

        def on_progress(elapsed: float) -> None:
            if progress is not None:
                now = trio.current_time()
                line = format_progress(
                    recorder.snapshot(),
                    recorder.rate(now),
                    elapsed,
                    fleet.duration_s,
                    stations_configured=fleet.stations,
                )
                progress(line, elapsed)

        try:
            outcome = await run_fleet(
                fleet, make_station, recorder, capture=capture, on_progress=on_progress, handle_signals=True
            )
        except CsmsUnreachable as exc:
            nursery.cancel_scope.cancel()
            return JobResult(EXIT_UNREACHABLE, None, f"cannot reach the CSMS: {exc.message}")
        finally:
            if capture is not None:
                capture.close()
        extra: dict[str, Any] = {
            "csms_url": fleet.csms_url,
            "seed": fleet.seed,
            "interrupted": outcome.interrupted,
        }
        if server is not None:
            extra["csms"] = server.ledger.summary()
        summary = recorder.summary(
            ocpp_version="2.0.1",
            duration_s=round(outcome.duration_s, 3),
            stations_configured=fleet.stations,
            extra=extra,
        )
        nursery.cancel_scope.cancel()
    return JobResult(EXIT_OK, summary)


def print_progress_line(line: str, elapsed: float) -> None:
    """Progress goes to stderr: in place on a terminal, one line every 5 s in a log."""
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line.ljust(100))
        sys.stderr.flush()
    elif round(elapsed) % 5 == 0:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


__all__ = ["EXIT_OK", "EXIT_UNREACHABLE", "JobResult", "RunJob", "print_progress_line", "run_job"]
