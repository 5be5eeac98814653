"""What a WebSocket connection costs the generator: trio-websocket against the lean transport.

    python bench/transport_cost.py [--clients 2000] [--round-trips 20000] [--transport lean ...]
                                   [--out bench/results/transport_cost-DATE.json]

For each transport, in a fresh process of its own (the server, bench's minimal responder, is
another process): open CLIENTS connections the way the station runner does (trio-websocket through
``fleet.engine._connect.open_station_websocket``; lean through ``open_lean_websocket``), each held
by one task waiting in ``get_message`` under a deadline as a station waits for its next timer; then
ROUND_TRIPS Heartbeat CALLs spread over the clients, each waiting for its answer. Reported per
transport: RSS per idle connection, CPU per connect + handshake, CPU per round trip, trio tasks per
connection, and wall times (those depend on what else the machine runs; CPU and RSS much less).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: the bench package is not installed

TRANSPORTS = ("trio-websocket", "lean")
_SUBPROTOCOL = "ocpp2.0.1"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _measure(transport: str, url: str, clients: int, round_trips: int, concurrency: int) -> dict[str, Any]:
    """Runs in the child process: the figures for one transport."""
    import trio

    from fleet.engine._connect import open_station_websocket
    from fleet.engine._lean_websocket import open_lean_websocket

    def opener(station_url: str) -> Any:
        if transport == "lean":
            return open_lean_websocket(station_url, [_SUBPROTOCOL], connect_timeout=60)
        return open_station_websocket(station_url, [_SUBPROTOCOL], connect_timeout=60, disconnect_timeout=2)

    per_client = max(1, round_trips // clients)
    close_errors: list[str] = []
    figures: dict[str, Any] = {}

    async def main() -> None:
        connected = 0
        all_connected = trio.Event()
        finished = 0
        all_finished = trio.Event()
        limiter = trio.CapacityLimiter(concurrency)
        stop = trio.Event()
        idle_scopes: list[trio.CancelScope] = []

        async def client(index: int) -> None:
            nonlocal connected, finished
            async with limiter:
                context = opener(f"{url}/BENCH-{index:05d}")
                ws = await context.__aenter__()
            try:
                connected += 1
                if connected == clients:
                    all_connected.set()
                # idle like a station between timers: waiting for a message under a deadline
                # (far off, so timer wake-ups do not count as connect cost); the round-trip phase cancels it
                with trio.CancelScope(deadline=trio.current_time() + 3600) as idle:
                    idle_scopes.append(idle)
                    await ws.get_message()
                for n in range(per_client):
                    await ws.send_message(f'[2,"{index}-{n}","Heartbeat",{{}}]')
                    await ws.get_message()
                finished += 1
                if finished == clients:
                    all_finished.set()
                await stop.wait()
            finally:
                try:
                    await context.__aexit__(None, None, None)
                except Exception as exc:  # counted and reported, not a measurement
                    close_errors.append(repr(_leaf(exc)))

        gc.collect()
        rss0, cpu0, wall0 = _rss_bytes(), time.process_time(), time.monotonic()
        tasks0 = trio.lowlevel.current_statistics().tasks_living
        async with trio.open_nursery() as nursery:
            for index in range(clients):
                nursery.start_soon(client, index)
            await all_connected.wait()
            cpu1, wall1 = time.process_time(), time.monotonic()
            await trio.sleep(2)  # let the last handshakes' garbage go, then sample the idle fleet
            gc.collect()
            rss1 = _rss_bytes()
            tasks1 = trio.lowlevel.current_statistics().tasks_living
            cpu2, wall2 = time.process_time(), time.monotonic()
            for scope in idle_scopes:
                scope.cancel()
            await all_finished.wait()
            cpu3, wall3 = time.process_time(), time.monotonic()
            stop.set()
        done = per_client * clients
        figures.update(
            clients=clients,
            rss_per_idle_connection_kb=round((rss1 - rss0) / clients / 1024, 2),
            cpu_us_per_connect=round((cpu1 - cpu0) / clients * 1e6, 1),
            connect_all_wall_s=round(wall1 - wall0, 2),
            tasks_per_connection=round((tasks1 - tasks0) / clients, 2),
            round_trips=done,
            cpu_us_per_round_trip=round((cpu3 - cpu2) / done * 1e6, 1),
            round_trips_per_s_wall=round(done / (wall3 - wall2), 1),
            cpu_us_per_close=round((time.process_time() - cpu3) / clients * 1e6, 1),
            close_errors=len(close_errors),
            close_error_example=close_errors[0][:300] if close_errors else None,
        )

    trio.run(main)
    return figures


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def _child_main(argv: list[str]) -> int:
    transport, url, clients, round_trips, concurrency = argv
    figures = _measure(transport, url, int(clients), int(round_trips), int(concurrency))
    print(json.dumps(figures))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/transport_cost.py", description=__doc__)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--round-trips", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=100, help="connects in flight at once")
    parser.add_argument("--transport", action="append", choices=TRANSPORTS, help="default: both")
    parser.add_argument("--repeat", type=int, default=1, help="runs per transport, interleaved")
    parser.add_argument("--out", type=Path, help="default: bench/results/transport_cost-DATE.json")
    ns = parser.parse_args(argv)
    from bench._machine import machine_facts
    from bench._processes import Target

    runs: list[dict[str, Any]] = []
    for _ in range(ns.repeat):
        for transport in ns.transport or TRANSPORTS:
            target = Target("responder", heartbeat_interval=300)
            target.start()
            try:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        transport,
                        target.url,
                        str(ns.clients),
                        str(ns.round_trips),
                        str(ns.concurrency),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=900,
                    check=False,
                )
            finally:
                target.stop()
            if done.returncode != 0:
                print(f"{transport}: the measuring process failed:\n{done.stderr[-3000:]}", file=sys.stderr)
                return 1
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            runs.append({"transport": transport, **figures})
            print(transport, figures, flush=True)
    result = {
        "machine": machine_facts(),
        "command": "python bench/transport_cost.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "runs": runs,
        "best": _best(runs),
    }
    out = ns.out or REPO / "bench" / "results" / f"transport_cost-{datetime.date.today():%Y-%m-%d}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out}")
    return 0


def _best(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per transport, the lowest of each cost over the repeats (the least disturbed run)."""
    best: dict[str, dict[str, float]] = {}
    for run in runs:
        mine = best.setdefault(run["transport"], {})
        for key in (
            "rss_per_idle_connection_kb",
            "cpu_us_per_connect",
            "cpu_us_per_round_trip",
            "tasks_per_connection",
        ):
            mine[key] = min(mine.get(key, float("inf")), run[key])
    return best


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(_child_main(sys.argv[2:]))
    sys.exit(main())
