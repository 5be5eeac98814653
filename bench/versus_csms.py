"""Generator CPU against CSMS CPU for the same messages: can one machine's generator saturate a CSMS?

Starts a CSMS in a process of its own, then `fleet run` against it (one generator process), samples
both processes' CPU time (utime + stime from /proc) 5 times a second, and reports, over the steady
window (from --warmup seconds after the generator's start until one second before its end), each
side's CPU per message and the ratio generator / CSMS. A measurement, never a test.

    python bench/versus_csms.py --csms fleet     --stations 2000 --speed 600 --duration 40
    python bench/versus_csms.py --csms ocpp-lib  --stations 1000 --speed 120 --duration 40

`fleet`: the embedded CSMS as `fleet csms` (heartbeat interval 300 s: --speed 600 makes it 0.5 s).
`ocpp-lib`: the strict third-party CSMS of the tests (tests/support/ocpp_lib_csms.py, built with
the mobilityhouse `ocpp` library on `websockets`, validating every message; heartbeat interval
60 s: --speed 120 makes it 0.5 s). Writes bench/results/versus_csms-<csms>.json unless --out.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

_HZ = os.sysconf("SC_CLK_TCK")
_ROOT = Path(__file__).resolve().parent.parent
_FLEET = [sys.executable, "-c", "import sys; from fleet.cli import main; sys.argv[0] = 'fleet'; main()"]


def _cpu_s(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _HZ


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _csms_command(kind: str, port: int) -> tuple[list[str], str]:
    """(command, the URL stations connect to)."""
    if kind == "fleet":
        return [*_FLEET, "csms", "--port", str(port)], f"ws://127.0.0.1:{port}"
    script = _ROOT / "tests" / "support" / "ocpp_lib_csms.py"
    return [sys.executable, str(script), "--port", str(port), "--path-prefix", "/ocpp"], (
        f"ws://127.0.0.1:{port}/ocpp"
    )


def _wait_listening(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"the CSMS did not listen on 127.0.0.1:{port} within {timeout_s} s")


class _Sampler(threading.Thread):
    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.samples: list[tuple[float, dict[str, float | None]]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), {name: _cpu_s(pid) for name, pid in self.pids.items()}))
            time.sleep(0.2)

    def cpu_between(self, name: str, start: float, end: float) -> float:
        def at(moment: float) -> float:
            value = min(self.samples, key=lambda sample: abs(sample[0] - moment))[1][name]
            return value or 0.0

        return at(end) - at(start)


def _window_messages(result: dict[str, Any], start_s: float, end_s: float) -> int:
    series = result["timeseries"]
    interval = series["interval_s"]
    return sum(
        n
        for t, n in zip(series["t"], series["messages"], strict=True)
        if start_s <= t and t + interval <= end_s
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csms", choices=("fleet", "ocpp-lib"), default="fleet")
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--speed", type=float, default=600.0)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--warmup", type=float, default=12.0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv[1:])
    port = _free_port()
    command, url = _csms_command(args.csms, port)
    csms = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=_ROOT)
    out = Path(f"/tmp/versus_csms-{os.getpid()}-run.json")  # the fleet's own result
    try:
        _wait_listening(port)
        generator = subprocess.Popen(
            [*_FLEET, "run", "--csms", url, "--stations", str(args.stations),
             "--ramp", "1000", "--speed", str(args.speed), "--idle-mean", "1e9",
             "--duration", str(args.duration), "--drain-timeout", "1", "--workers", "1", "--out", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=_ROOT,
        )  # fmt: skip
        started = time.monotonic()
        sampler = _Sampler({"generator": generator.pid, "csms": csms.pid})
        sampler.start()
        generator.wait(timeout=args.duration + 120)
        sampler.stop.set()
        sampler.join()
    finally:
        csms.terminate()
        csms.wait(timeout=30)
    result = json.loads(out.read_text())
    start_s, end_s = args.warmup, args.duration - 1.0
    messages = _window_messages(result, start_s, end_s)
    cpu = {
        name: sampler.cpu_between(name, started + start_s, started + end_s) for name in ("generator", "csms")
    }
    report = {
        "csms": args.csms,
        "stations": args.stations,
        "speed": args.speed,
        "window_s": [start_s, end_s],
        "messages": messages,
        "messages_per_s": round(messages / (end_s - start_s), 1),
        "cpu_s": {name: round(value, 2) for name, value in cpu.items()},
        "cpu_us_per_message": {
            name: round(value / messages * 1e6, 1) if messages else None for name, value in cpu.items()
        },
        "generator_over_csms": round(cpu["generator"] / cpu["csms"], 3) if cpu["csms"] else None,
        "errors": len(result.get("errors") or []),
        "generator_saturated": result["generator"]["saturated"],
        "generator_saturation_reasons": result["generator"]["reasons"],
    }
    print(json.dumps(report, indent=1))
    target = Path(args.out) if args.out else _ROOT / "bench" / "results" / f"versus_csms-{args.csms}.json"
    target.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv)
