"""The `fleet` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial

import trio

from fleet.behaviour import DriverSettings, ProfileError, load_profile, resolve_profile
from fleet.cli import _arguments as arg
from fleet.cli._compare import add_compare_command, run_compare
from fleet.cli._locust import add_locust_command, run_locust
from fleet.cli._metrics_options import add_metrics_options, announce_metrics, csms_metrics
from fleet.cli._profiles import add_profiles_command, run_profiles
from fleet.cli._scale import add_csms_scale_options, add_run_scale_options, run_job_scaled, serve_csms_workers
from fleet.cli._script_help import SCRIPT_EPILOG
from fleet.cli._security_options import (
    add_csms_security_options,
    add_run_security_options,
    apply_run_security,
    csms_security,
    note_insecure,
)
from fleet.cli._simulate import add_simulate_command, run_simulate
from fleet.cli._slo import add_slo_option, check_slos
from fleet.csms import CsmsConfig, run_csms, tune_gc_for_long_runs
from fleet.engine import FleetConfig, OcppMix, RunJob, print_progress_line
from fleet.metrics import MetricsPortUnavailable, format_summary, write_html_report, write_json


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fleet",
        description="Simulate a fleet of OCPP 2.0.1 and 1.6J charging stations against a CSMS; measure it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a fleet against a CSMS (the embedded one unless --csms is given)",
        description="Ramp up a fleet of simulated stations, run it for a while, print a latency summary.",
    )
    run.add_argument(
        "--csms",
        type=arg.csms_url,
        default=None,
        metavar="URL",
        help="CSMS base URL; station N connects to URL/<station id> "
        "(default: start the embedded CSMS on a free loopback port)",
    )
    run.add_argument(
        "--stations", type=arg.positive_int, default=50, metavar="N", help="stations (default 50)"
    )
    run.add_argument(
        "--duration", type=arg.positive_float, default=30.0, metavar="SECONDS", help="run time (default 30)"
    )
    run.add_argument(
        "--ramp",
        type=arg.positive_float,
        default=25.0,
        metavar="STATIONS_PER_SECOND",
        help="ramp-up rate: new stations connected per second (default 25)",
    )
    run.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default 1)")
    run.add_argument(
        "--ocpp",
        type=arg.ocpp_mix,
        default=OcppMix(),
        metavar="VERSION",
        help="OCPP version of the stations: 2.0.1 (default), 1.6, or mix:SHARE (that share speaks 1.6)",
    )
    run.add_argument("--out", metavar="FILE", help="write the results as JSON to FILE")
    run.add_argument(
        "--report",
        metavar="FILE",
        help="write a self-contained HTML report (plots over time, summary tables) to FILE; "
        "written for interrupted and failed runs too",
    )
    run.add_argument(
        "--capture", metavar="FILE", help="write every frame sent and received as JSON lines to FILE"
    )
    run.add_argument(
        "--evses", type=arg.positive_int, default=2, metavar="N", help="EVSEs per station (default 2)"
    )
    run.add_argument(
        "--id-prefix", default="SIM-", metavar="TEXT", help="station id prefix (default SIM-: SIM-00000, ...)"
    )
    behaviour = run.add_argument_group("behaviour profile")
    behaviour.add_argument(
        "--profile",
        metavar="FILE",
        help="drive the stations from a behaviour profile (a TOML file, or the name of a bundled one: "
        "see `fleet profiles list`); without it, the built-in simple driver below",
    )
    behaviour.add_argument(
        "--speed",
        type=arg.positive_float,
        default=1.0,
        metavar="X",
        help="simulated seconds per real second: 60 = one simulated minute per second; arrivals, "
        "dwell times, heartbeats and meter intervals all scale (default 1)",
    )
    behaviour.add_argument(
        "--start",
        type=arg.utc_time,
        default=None,
        metavar="ISO8601",
        help="simulated date and time the run starts at, e.g. 2026-12-01T06:00:00Z (default: now)",
    )
    drivers = run.add_argument_group(
        "drivers",
        "the built-in driver: arrive, plug in, badge (RFID 70 %, PIN 20 %, start button 10 %), "
        "charge, badge out, leave. Defaults are compressed so a short run shows whole sessions.",
    )
    drivers.add_argument(
        "--idle-mean",
        type=arg.positive_float,
        default=10.0,
        metavar="SECONDS",
        help="mean time an EVSE stays free between drivers (exponential; default 10)",
    )
    drivers.add_argument(
        "--charge-mean",
        type=arg.positive_float,
        default=15.0,
        metavar="SECONDS",
        help="mean charging time (exponential; default 15)",
    )
    drivers.add_argument(
        "--power",
        type=arg.positive_float,
        default=11_000.0,
        metavar="WATTS",
        help="power the EV draws, capped by the EVSE (default 11000)",
    )
    run.add_argument(
        "--connect-timeout",
        type=arg.positive_float,
        default=10.0,
        metavar="SECONDS",
        help="WebSocket connect + handshake timeout (default 10)",
    )
    run.add_argument(
        "--drain-timeout",
        type=arg.non_negative_float,
        default=10.0,
        metavar="SECONDS",
        help="at the end (or the first Ctrl-C), stop the behaviour and give connected stations this "
        "long to send what they queued (default 10; 0 = stop at once; a second Ctrl-C skips it)",
    )
    _add_csms_behaviour_options(run, prefix="csms-", title="embedded CSMS (when --csms is not given)")
    add_slo_option(run)
    run.add_argument(
        "--csms-script",
        type=arg.csms_script,
        default=None,
        metavar="FILE",
        help="the embedded CSMS runs these CSMS-initiated operations on the stations' (simulated) clock; "
        "format: see `fleet csms --help`",
    )
    add_run_scale_options(run)
    add_metrics_options(run)
    add_run_security_options(run)

    csms = commands.add_parser(
        "csms",
        help="run the embedded CSMS as a server",
        description="Serve OCPP 2.0.1 and 1.6J at ws://HOST:PORT/<station id> until Ctrl-C; print what "
        "it received.",
        epilog=SCRIPT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csms.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    csms.add_argument("--port", type=arg.port, default=9000, help="listen port (default 9000; 0 = any free)")
    _add_csms_behaviour_options(csms, prefix="", title="behaviour")
    add_metrics_options(csms, suggested_port=9465)
    add_csms_scale_options(csms)
    add_csms_security_options(csms)
    csms.add_argument(
        "--script",
        type=arg.csms_script,
        default=None,
        metavar="FILE",
        help="run CSMS-initiated operations on a schedule (a TOML file; see below)",
    )
    add_profiles_command(commands)
    add_simulate_command(commands)
    add_compare_command(commands)
    add_locust_command(commands)
    return parser


def _add_csms_behaviour_options(parser: argparse.ArgumentParser, *, prefix: str, title: str) -> None:
    group = parser.add_argument_group(title)
    group.add_argument(
        f"--{prefix}boot-status",
        choices=("Accepted", "Pending", "Rejected"),
        default="Accepted",
        help="BootNotification answer (default Accepted)",
    )
    group.add_argument(
        f"--{prefix}heartbeat-interval",
        type=arg.positive_int,
        default=300,
        metavar="SECONDS",
        help="heartbeat interval given to stations (default 300)",
    )
    group.add_argument(
        f"--{prefix}auth-reject-ratio",
        type=arg.ratio,
        default=0.0,
        metavar="RATIO",
        help="share of idTokens answered Invalid, 0..1 (default 0)",
    )
    group.add_argument(
        f"--{prefix}response-delay",
        type=arg.non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="delay before every response (default 0)",
    )


def _csms_config(ns: argparse.Namespace, prefix: str, seed: int) -> CsmsConfig:
    def get(name: str) -> object:
        return getattr(ns, (prefix + name).replace("-", "_"))

    return CsmsConfig(
        boot_status=get("boot-status"),  # type: ignore[arg-type]
        heartbeat_interval=int(get("heartbeat-interval")),  # type: ignore[call-overload]
        auth_reject_ratio=float(get("auth-reject-ratio")),  # type: ignore[arg-type]
        response_delay_s=float(get("response-delay")),  # type: ignore[arg-type]
        seed=seed,
    )


def job_from_arguments(ns: argparse.Namespace) -> RunJob:
    """The RunJob that `fleet run` ARGS describes. Raises ProfileError for a bad profile, and
    ValueError for bad identities or security options."""
    profile = load_profile(resolve_profile(ns.profile)) if ns.profile else None
    return RunJob(
        fleet=apply_run_security(
            ns,
            FleetConfig(
                csms_url=ns.csms or "",
                stations=ns.stations,
                duration_s=ns.duration,
                ramp_per_s=ns.ramp,
                seed=ns.seed,
                id_prefix=ns.id_prefix,
                connect_timeout_s=ns.connect_timeout,
                drain_timeout_s=ns.drain_timeout,
                speed=ns.speed,
                source_addresses=ns.source_addresses,
            ),
        ),
        profile=profile,
        sim_start_epoch=ns.start,
        csms=_csms_config(ns, "csms_", ns.seed),
        evses_per_station=ns.evses,
        driver=DriverSettings(
            mean_idle_s=ns.idle_mean, mean_charge_s=ns.charge_mean, power_w=ns.power, step_s=1.0
        ),
        capture_path=ns.capture,
        metrics_port=ns.metrics_port,
        metrics_host=ns.metrics_host,
        ocpp=ns.ocpp,
        csms_script=tuple(ns.csms_script or ()),
    )


def _run(ns: argparse.Namespace) -> int:
    try:
        job = job_from_arguments(ns)
    except (ProfileError, ValueError) as exc:
        print(f"fleet run: error: {exc}", file=sys.stderr)
        return 2
    if ns.csms_script and ns.csms:
        print("fleet run: error: --csms-script drives the embedded CSMS; drop --csms URL", file=sys.stderr)
        return 2
    target = ns.csms or "the embedded CSMS"
    print(
        f"fleet: {ns.stations} stations -> {target}, {ns.duration:g} s, ramp {ns.ramp:g}/s, seed {ns.seed}",
        file=sys.stderr,
    )
    announce_metrics(ns, "fleet")
    note_insecure(job.fleet, None)
    result = run_job_scaled(job, ns, progress=print_progress_line)
    if result is None:
        return 2
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if result.summary is None:
        print(f"fleet: error: {result.failure}", file=sys.stderr)
        if ns.report:
            write_html_report(ns.report, {"failure": result.failure})
        return result.exit_code
    print(format_summary(result.summary))
    note_insecure(job.fleet, result.summary)
    exit_code = result.exit_code
    if ns.slo and result.recorder is not None:
        exit_code = check_slos(ns.slo, result.recorder, result.summary) or exit_code
    if ns.out:
        write_json(result.summary, ns.out)
        print(f"results written to {ns.out}", file=sys.stderr)
    if ns.report:
        write_html_report(ns.report, result.summary)
        print(f"report written to {ns.report}", file=sys.stderr)
    return exit_code


def _csms(ns: argparse.Namespace) -> int:
    try:
        security = csms_security(ns)
    except ValueError as exc:
        print(f"fleet csms: error: {exc}", file=sys.stderr)
        return 2
    if ns.workers > 1:
        if security is not None:
            print("fleet csms: error: --security-profile needs --workers 1 (for now)", file=sys.stderr)
            return 2
        if ns.script:
            print(
                "fleet csms: error: --script needs --workers 1 (one process sees every station)",
                file=sys.stderr,
            )
            return 2
        return serve_csms_workers(ns, _csms_config(ns, "", 0))
    tune_gc_for_long_runs()
    try:
        with csms_metrics(ns) as registry:
            trio.run(
                partial(run_csms, registry=registry, script=ns.script, security=security),
                _csms_config(ns, "", 0),
                ns.host,
                ns.port,
            )
    except KeyboardInterrupt:
        pass
    except MetricsPortUnavailable as exc:
        print(f"fleet csms: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"fleet csms: cannot listen on {ns.host}:{ns.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["locust"]:  # Locust parses its own options (and ours): pass them through untouched
        return run_locust(args[1:])
    ns = build_parser().parse_args(args)
    if ns.command == "run":
        return _run(ns)
    if ns.command == "profiles":
        return run_profiles(ns)
    if ns.command == "simulate":
        return run_simulate(ns)
    if ns.command == "compare":
        return run_compare(ns)
    return _csms(ns)
