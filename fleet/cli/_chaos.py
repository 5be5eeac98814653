"""`fleet chaos`: a TCP fault proxy in front of any CSMS, until Ctrl-C; and the `--fault` /
`--csms-fault` options `fleet run` puts in front of (and into) its CSMS."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TextIO, TypeVar

import trio

from fleet.chaos import (
    ChaosProxy,
    ProxyFaults,
    parse_bandwidth,
    parse_csms_faults,
    parse_proxy_faults,
    parse_window,
    serve_chaos_proxy,
    target_address,
)
from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.csms import FaultEvent
from fleet.engine import RunJob, default_workers

_T = TypeVar("_T")

FAULT_HELP = (
    "put a fault proxy in front of the CSMS: comma-separated KIND=VALUE, repeatable: latency=50ms, "
    "jitter=20ms, bandwidth=64k (bytes/s), drop-rate=0.01 (connections cut per connection per "
    "second), stall=30s+5s, outage=60s+20s (START+LENGTH from the start of the run), half-open=90s+30s"
)
CSMS_FAULT_HELP = (
    "a fault of the embedded CSMS, comma-separated, repeatable: crash=60s+10s (down, then back with "
    "its ledger), slow=TransactionEvent:2s, silent=Heartbeat, callerror=Authorize[:CODE], "
    "reject=BootNotification, pending=30s (boots Pending for 30 s, then Accepted); pending-boots=3 "
    "(a station's first 3 boots Pending), pending-share=50%% (of stations, seeded), pending-interval=5s "
    "(the retry interval a Pending answer gives); tx-callerror=Started+Updated+Ended|all[:CODE] "
    "(transaction messages answered with a CALLERROR; 1.6: Start/MeterValues/StopTransaction), "
    "tx-callerror-stations=50%%, tx-callerror-messages=10%%, tx-callerror-attempts=2 (only the first 2 "
    "attempts of each; default every attempt); tx-token=Invalid|Blocked|Expired (idTokenInfo of the "
    "transaction answer, Authorize still Accepted), tx-token-match=GLOB, tx-token-share=30%%"
)


def add_fault_options(run: argparse.ArgumentParser) -> None:
    """`fleet run --fault ... --csms-fault ...` (README "Fault injection")."""
    group = run.add_argument_group("fault injection (README: Fault injection)")
    group.add_argument("--fault", action="append", default=[], metavar="KIND=VALUE", help=FAULT_HELP)
    group.add_argument(
        "--csms-fault", action="append", default=[], metavar="KIND=VALUE", help=CSMS_FAULT_HELP
    )


def with_faults(job: RunJob, ns: argparse.Namespace) -> RunJob:
    """``job`` with `fleet run`'s --fault and --csms-fault; ValueError names a bad item, or the
    options that cannot go together (the faults run in one process, the CSMS's in the embedded one)."""
    if not ns.fault and not ns.csms_fault:
        return job
    workers = ns.workers if ns.workers is not None else default_workers(job.fleet.stations)
    if workers > 1:
        raise ValueError(f"--fault and --csms-fault run in one process: add --workers 1 (not {workers})")
    if ns.csms_fault and job.fleet.csms_url:
        raise ValueError("--csms-fault changes the embedded CSMS; drop --csms URL (or use --fault)")
    csms = replace(job.csms, faults=parse_csms_faults(ns.csms_fault, seed=job.fleet.seed))
    return replace(job, csms=csms, faults=parse_proxy_faults(ns.fault, job.fleet.seed) or None)


def _typed(parse: Callable[[str, str], _T], option: str) -> Callable[[str], _T]:
    def convert(text: str) -> _T:
        try:
            return parse(text, option)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _listen_address(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon or not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT (e.g. 127.0.0.1:9100), got {text!r}")
    return host.strip("[]"), arg.port(port)


def add_chaos_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chaos = commands.add_parser(
        "chaos",
        help="a TCP fault proxy in front of any CSMS (latency, drops, outages, ...)",
        description="Relay TCP from --listen to --target, injecting faults on the way; until Ctrl-C. "
        "Durations: 250ms, 90s, 5m, 1h30m; windows START+LENGTH (60s+20s) count from the start.",
    )
    chaos.add_argument(
        "--listen",
        type=_listen_address,
        default=("127.0.0.1", 9100),
        metavar="HOST:PORT",
        help="where stations connect (default 127.0.0.1:9100)",
    )
    chaos.add_argument(
        "--target",
        type=_typed(lambda text, _: target_address(text), "--target"),
        required=True,
        metavar="URL",
        help="the CSMS: ws://HOST:PORT, wss://HOST:PORT or HOST:PORT (bytes are relayed, TLS untouched)",
    )
    for name, what in (("--latency", "added to every chunk, each way"), ("--jitter", "plus 0..this, seeded")):
        chaos.add_argument(name, type=arg.non_negative_duration, default=0.0, metavar="DURATION", help=what)
    chaos.add_argument(
        "--bandwidth",
        type=_typed(parse_bandwidth, "--bandwidth"),
        default=None,
        metavar="BYTES_PER_S",
        help="cap per connection and direction: 64k, 1.5M",
    )
    chaos.add_argument(
        "--drop-rate",
        type=arg.non_negative_float,
        default=0.0,
        help="connections cut per connection per second",
    )
    for name, what in (
        ("--stall", "nothing forwarded (held, not lost)"),
        ("--outage", "every connection cut, new ones refused"),
        ("--half-open", "connections stop forwarding without closing"),
    ):
        chaos.add_argument(
            name,
            type=_typed(parse_window, name),
            action="append",
            default=[],
            metavar="START+LENGTH",
            help=what,
        )
    chaos.add_argument("--seed", type=int, default=0, help="seed of the latency and drop draws (default 0)")


def _faults(ns: argparse.Namespace) -> ProxyFaults:
    faults = ProxyFaults(
        latency_s=ns.latency,
        jitter_s=ns.jitter,
        drop_rate=ns.drop_rate,
        stalls=tuple(ns.stall),
        outages=tuple(ns.outage),
        half_open=tuple(ns.half_open),
        seed=ns.seed,
    )
    return faults if ns.bandwidth is None else replace(faults, bandwidth_bps=ns.bandwidth)


def _event_line(event: FaultEvent, origin: float) -> str:
    until = "the end" if event.end is None else f"{event.end - origin:.1f}s"
    return f"fault {event.kind} from {event.start - origin:.1f}s to {until}: {event.detail}"


async def _serve(ns: argparse.Namespace, out: TextIO) -> None:
    host, port = ns.listen
    async with trio.open_nursery() as nursery:
        serve = partial(serve_chaos_proxy, _faults(ns), ns.target, host, port)
        proxy: ChaosProxy = await nursery.start(serve)
        print(f"fleet chaos: {host}:{proxy.port} -> {ns.target[0]}:{ns.target[1]}", file=out, flush=True)
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            nursery.start_soon(_report_windows, proxy, out)
            async for _ in signals:
                break
        for event in proxy.fault_events():
            print(_event_line(event, proxy.origin), file=out, flush=True)
        print(f"fleet chaos: {proxy.connections} connections relayed", file=out, flush=True)
        nursery.cancel_scope.cancel()


async def _report_windows(proxy: ChaosProxy, out: TextIO) -> None:
    """One line per windowed fault as it begins."""
    shown = 0
    while True:
        await trio.sleep(1.0)
        for event in proxy.events[shown:]:
            print(_event_line(event, proxy.origin), file=out, flush=True)
        shown = len(proxy.events)


def run_chaos(ns: argparse.Namespace) -> int:
    try:
        trio.run(_serve, ns, sys.stdout)
    except OSError as exc:
        print(f"fleet chaos: error: cannot listen on {ns.listen[0]}:{ns.listen[1]}: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    return ExitCode.OK
