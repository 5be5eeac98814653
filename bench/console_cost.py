"""What the live console costs the embedded CSMS: its CPU time (utime + stime) over the same
steady window of the same fleet, in three modes, one fresh `fleet csms` process each:

- ``off``: no --console-port (no observer in the sessions at all);
- ``idle``: --console-port, nobody logged in (the sessions feed the live view);
- ``watched``: a logged-in client with the fleet overview's SSE stream and one busy station's
  stream open, and the station list sorted by messages (50 rows of all stations) fetched
  every 2 s, as a person watching the run would.

The fleet (`fleet run --csms URL`, its own processes) charges all the time (MeterValues and
TransactionEvents flow). A measurement, never a test:

    python -m bench.console_cost --stations 2000 --speed 10 --duration 60 --warmup 25 --workers 1

Writes bench/results/console_cost.json unless --out (issue 20's result:
bench/results/issue20-console/). `fleet csms --console-port` runs one CSMS process, which holds
at most one socket per station under this machine's 20,000 open files: 50,000 stations need
`--workers 3`, which the console refuses (one process must see every station).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.console_micro import micro_costs
from bench.versus_csms import _FLEET, _ROOT, _free_port, _Sampler, _wait_listening, _window_messages

PASSWORD = "bench-console"
MODES = ("off", "idle", "watched")


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class _Watcher(threading.Thread):
    """A person with the console open: two SSE streams and the station list every 2 s."""

    def __init__(self, url: str, station_id: str) -> None:
        super().__init__(daemon=True)
        self.url, self.station_id = url, station_id
        self.stop = threading.Event()
        self.events = 0
        self.pages = 0

    def _stream(self, client: httpx.Client, path: str) -> None:
        try:
            with client.stream("GET", path, timeout=None) as stream:
                for line in stream.iter_lines():
                    self.events += line.startswith("data: ")
                    if self.stop.is_set():
                        return
        except httpx.HTTPError:
            return  # the CSMS stopped at the end of the mode

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            client.post("/login", data={"password": PASSWORD})
            for path in ("/api/events/fleet", f"/api/events/stations/{self.station_id}"):
                threading.Thread(target=self._stream, args=(client, path), daemon=True).start()
            while not self.stop.wait(2.0):
                client.get("/stations", params={"sort": "messages", "desc": "1", "size": "50"})
                self.pages += 1


def _one_mode(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    port, console_port = _free_port(), _free_port()
    command = [*_FLEET, "csms", "--port", str(port)]
    if mode != "off":
        command += ["--console-port", str(console_port)]
    environ = os.environ | {"FLEET_CONSOLE_PASSWORD": PASSWORD}
    csms = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=_ROOT, env=environ
    )
    out = Path(f"/tmp/console_cost-{os.getpid()}-{mode}.json")
    watcher = _Watcher(f"http://127.0.0.1:{console_port}", "SIM-00001") if mode == "watched" else None
    try:
        _wait_listening(port)
        generator = subprocess.Popen(
            [*_FLEET, "run", "--csms", f"ws://127.0.0.1:{port}", "--stations", str(args.stations),
             "--ramp", "1000", "--speed", str(args.speed), "--idle-mean", "60", "--charge-mean", "36000",
             "--duration", str(args.duration), "--drain-timeout", "1", "--workers", str(args.workers),
             "--out", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=_ROOT,
        )  # fmt: skip
        started = time.monotonic()
        sampler = _Sampler({"csms": csms.pid})
        sampler.start()
        if watcher is not None:
            watcher.start()
        time.sleep(max(0.0, args.duration - 1.5))
        rss = _rss_mb(csms.pid)
        generator.wait(timeout=args.duration + 180)
        sampler.stop.set()
        sampler.join()
    finally:
        if watcher is not None:
            watcher.stop.set()
        csms.terminate()
        csms.wait(timeout=60)
    result = json.loads(out.read_text())
    start_s, end_s = args.warmup, args.duration - 1.0
    messages = _window_messages(result, start_s, end_s)
    cpu = sampler.cpu_between("csms", started + start_s, started + end_s)
    return {
        "mode": mode,
        "window_s": [start_s, end_s],
        "stations_connected_peak": result["stations"]["connected_peak"],
        "messages_per_s": round(messages / (end_s - start_s), 1),
        "csms_cpu_s": round(cpu, 2),
        "csms_cpu_share_of_one_core": round(cpu / (end_s - start_s), 3),
        "csms_cpu_us_per_message": round(cpu / messages * 1e6, 1) if messages else None,
        "csms_rss_mb_at_end": round(rss, 1) if rss is not None else None,
        "client_events": watcher.events if watcher is not None else None,
        "client_pages": watcher.pages if watcher is not None else None,
        "generator_saturated": result["generator"]["saturated"],
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=2_000)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=25.0)
    parser.add_argument("--workers", type=int, default=1, help="generator processes")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv[1:])
    runs = [_one_mode(mode, args) for mode in args.modes.split(",")]
    report = {
        "stations": args.stations,
        "speed": args.speed,
        "duration_s": args.duration,
        "runs": runs,
        "in_process": micro_costs(),
    }
    print(json.dumps(report, indent=1))
    target = Path(args.out) if args.out else _ROOT / "bench" / "results" / "console_cost.json"
    target.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv)
