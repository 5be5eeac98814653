"""How fast `fleet simulate` runs: stations x hours of virtual time, wall seconds, µs per message.

A measurement, never a test. Each size runs in a fresh process so its peak RSS is its own, on
one core (no --workers).

    python bench/simulate_day.py [--profile workplace] [--model sessions|frames] [--hours 24]
                                 [--seed 1] [COUNT ...]

COUNT defaults to 1000 10000. The session model (the default with a profile) does a day of
10,000 workplace stations in seconds; the frames model (every frame through the station core,
~100+ µs per message) takes tens of minutes for it: start that in the background. Results are
printed and written to bench/results/simulate_day-<profile>-<count>x<hours>h-<model>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fleet.simulation import Model

RESULTS = Path(__file__).resolve().parent / "results"


def measure(profile: str, model: Model, count: int, hours: float, seed: int) -> dict[str, Any]:
    from fleet.simulation import FleetSpec, SimulationConfig, build_fleet, run_sharded

    spec = FleetSpec(count=count, seed=seed, profile=None if profile == "simple" else profile)
    name, epoch, _ = build_fleet(spec, range(0))
    config = SimulationConfig(hours=hours, seed=seed, epoch=epoch, profile_name=name, model=model)
    # wall and CPU include building the stations (the frames model's fleet, the sessions' plan)
    started, cpu_started = time.perf_counter(), time.process_time()
    forecast = run_sharded(config, spec, 1)
    wall_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    messages = int(forecast.summary["messages_total"])
    return {
        "model": model,
        "profile": config.profile_name,
        "stations": count,
        "hours": hours,
        "seed": seed,
        "messages": messages,
        "messages_by_action": forecast.summary["messages_by_action"],
        "transactions_started": forecast.summary["transactions_started"],
        "energy_kwh": forecast.summary["energy_kwh"],
        "wall_s": round(wall_s, 3),
        "us_per_message": round(wall_s / messages * 1e6, 2) if messages else None,
        # CPU time is less sensitive than wall time to other work on a shared machine
        "cpu_s": round(cpu_s, 3),
        "cpu_us_per_message": round(cpu_s / messages * 1e6, 2) if messages else None,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "simulated_s_per_wall_s": round(hours * 3600.0 / wall_s, 1),
        "peak_msg_per_s": forecast.summary["messages_per_second"]["peak"],
        # Linux reports ru_maxrss in KiB
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "git_commit": _git_commit(),
    }


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent,
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("counts", nargs="*", type=int, default=[1_000, 10_000], metavar="COUNT")
    parser.add_argument("--profile", default="workplace", help="bundled name, file, or 'simple'")
    parser.add_argument(
        "--model",
        choices=("sessions", "frames"),
        help="default: sessions with a profile, frames for 'simple'",
    )
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process: one size
    ns = parser.parse_args(argv)
    model: Model = ns.model or ("frames" if ns.profile == "simple" else "sessions")
    if ns.one:
        print(json.dumps(measure(ns.profile, model, ns.counts[0], ns.hours, ns.seed)))
        return 0
    RESULTS.mkdir(exist_ok=True)
    for count in ns.counts:
        child = [sys.executable, __file__, "--one", "--profile", ns.profile, "--model", model]
        child += ["--hours", str(ns.hours)]
        child += ["--seed", str(ns.seed), str(count)]
        done = subprocess.run(child, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{count} stations: failed\n{done.stderr}", file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        name = f"simulate_day-{Path(ns.profile).stem}-{count}x{ns.hours:g}h-{model}.json"
        (RESULTS / name).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
        print(
            f"{result['profile']} ({model} model): {count} stations x {ns.hours:g} h: "
            f"{result['messages']} messages in "
            f"{result['wall_s']} s = {result['us_per_message']} µs/message "
            f"({result['simulated_s_per_wall_s']} simulated s per wall s), "
            f"peak RSS {result['peak_rss_mb']} MB"
        )
        print(f"  -> {RESULTS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
