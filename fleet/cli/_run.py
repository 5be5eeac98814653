"""`fleet run`: ramp a fleet up against a CSMS (the embedded one unless --csms is given), run it,
print a latency summary."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fleet.behaviour import DriverSettings, ProfileError, load_profile, resolve_profile, with_rate_multiplier
from fleet.cli import _arguments as arg
from fleet.cli._baseline import add_baseline_options, baseline_verdict, check_baseline
from fleet.cli._chaos import add_fault_options, with_faults
from fleet.cli._console_options import add_console_options, console_settings
from fleet.cli._csms_options import add_csms_behaviour_options, add_csms_script_option, csms_config
from fleet.cli._exit_codes import ExitCode
from fleet.cli._fleet_options import add_seed_option, add_station_layout_options, add_stations_option
from fleet.cli._load_plan_options import add_load_plan_options, apply_load_plan
from fleet.cli._metrics_options import add_metrics_options, announce_metrics
from fleet.cli._output_paths import Output, check_output_options, write_or_fall_back
from fleet.cli._ramp_options import add_run_ramp_options
from fleet.cli._run_metadata import add_tag_option, ended_run_metadata, run_info_labels, started_run_metadata
from fleet.cli._scale import add_run_scale_options, run_job_scaled
from fleet.cli._security_options import add_run_security_options, apply_run_security, note_insecure
from fleet.cli._slo import add_slo_option, check_slos, ci_output_paths, with_abort_on_fail, write_ci_outputs
from fleet.cli._stages_options import add_stages_options, apply_stages
from fleet.engine import FleetConfig, JobResult, OcppMix, RunJob, print_progress_line
from fleet.metrics import format_summary, unmeasured_verdicts, write_html_report, write_json, write_junit


def add_run_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="run a fleet against a CSMS (the embedded one unless --csms is given)",
        description="Ramp up a fleet of simulated stations, run it for a while, print a latency summary.",
    )
    add_run_options(run)


def add_run_options(run: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Every `fleet run` option, on ``run`` (returned)."""
    _add_load_options(run)
    _add_output_options(run)
    add_station_layout_options(
        run,
        evses_help="EVSEs per station (default 2)",
        id_prefix_help="station id prefix (default SIM-: SIM-00000, ...)",
    )
    _add_behaviour_options(run)
    add_load_plan_options(run)
    _add_driver_options(run)
    _add_timeout_options(run)
    add_csms_behaviour_options(run, prefix="csms-", title="embedded CSMS (when --csms is not given)")
    add_slo_option(run)
    add_csms_script_option(
        run,
        "--csms-script",
        "the embedded CSMS runs these CSMS-initiated operations on the stations' (simulated) clock; "
        "format: see `fleet csms --help`",
    )
    add_console_options(run, embedded=True)
    add_run_scale_options(run)
    add_metrics_options(run)
    add_run_security_options(run)
    add_fault_options(run)
    add_tag_option(run)
    add_baseline_options(run)
    return run


def _run_defaults() -> dict[str, Any]:
    """What every `fleet run` option is when not given (for the results' rerun command line)."""
    return vars(add_run_options(argparse.ArgumentParser(add_help=False)).parse_args([]))


def _add_load_options(run: argparse.ArgumentParser) -> None:
    """Which CSMS, how many stations for how long, how fast they come, which OCPP they speak."""
    run.add_argument(
        "--csms",
        type=arg.csms_url,
        default=None,
        metavar="URL",
        help="CSMS base URL; station N connects to URL/<station id> (env FLEET_CSMS_URL; "
        "default: start the embedded CSMS on a free loopback port)",
    )
    add_stations_option(run, default=50)
    run.add_argument(
        "--duration",
        type=arg.duration,
        default=30.0,
        metavar="DURATION",
        help="run time: 90 or 90s, 250ms, 5m, 1h30m (default 30s)",
    )
    add_run_ramp_options(run, default_per_s=25.0)
    add_stages_options(run)
    add_seed_option(run, metavar="N")
    run.add_argument(
        "--ocpp",
        type=arg.ocpp_mix,
        default=OcppMix(),
        metavar="VERSION",
        help="OCPP version of the stations: 2.0.1 (default), 1.6, or mix:SHARE (that share speaks 1.6)",
    )
    run.add_argument(
        "--deflate",
        type=arg.ratio,
        default=0.0,
        metavar="SHARE",
        help="share of the stations (0..1, spread evenly by index; default 0) that offer "
        "permessage-deflate (RFC 7692) and compress their messages when the CSMS accepts it",
    )


def _add_output_options(run: argparse.ArgumentParser) -> None:
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


def _add_behaviour_options(run: argparse.ArgumentParser) -> None:
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


def _add_driver_options(run: argparse.ArgumentParser) -> None:
    drivers = run.add_argument_group(
        "drivers",
        "the built-in driver: arrive, plug in, badge (RFID 70 %, PIN 20 %, start button 10 %), "
        "charge, badge out, leave. Defaults are compressed so a short run shows whole sessions.",
    )
    drivers.add_argument(
        "--idle-mean",
        type=arg.duration,
        default=10.0,
        metavar="DURATION",
        help="mean time an EVSE stays free between drivers (exponential; default 10s)",
    )
    drivers.add_argument(
        "--charge-mean",
        type=arg.duration,
        default=15.0,
        metavar="DURATION",
        help="mean charging time (exponential; default 15s)",
    )
    drivers.add_argument(
        "--power",
        type=arg.positive_float,
        default=11_000.0,
        metavar="WATTS",
        help="power the EV draws, capped by the EVSE (default 11000)",
    )


def _add_timeout_options(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--connect-timeout",
        type=arg.duration,
        default=10.0,
        metavar="DURATION",
        help="WebSocket connect + handshake timeout (default 10s)",
    )
    run.add_argument(
        "--drain-timeout",
        type=arg.non_negative_duration,
        default=10.0,
        metavar="DURATION",
        help="at the end (or the first Ctrl-C), stop the behaviour and give connected stations this "
        "long to send what they queued (default 10s; 0 = stop at once; a second Ctrl-C skips it)",
    )


def job_from_arguments(ns: argparse.Namespace) -> RunJob:
    """The RunJob that `fleet run` ARGS describes. Raises ProfileError for a bad profile, and
    ValueError for bad identities or security options or --stages conflicts."""
    apply_stages(ns)
    replay = apply_load_plan(ns)  # takes the profile, stations and duration from the plan
    profile = load_profile(resolve_profile(ns.profile)) if ns.profile else None
    profile = with_rate_multiplier(profile, ns.rate_multiplier) if profile is not None else None
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
                stages=ns.stages or (),
                deflate=ns.deflate,
            ),
        ),
        profile=profile,
        sim_start_epoch=ns.start,
        csms=csms_config(ns, "csms_", ns.seed),
        evses_per_station=ns.evses,
        driver=DriverSettings(
            mean_idle_s=ns.idle_mean / ns.rate_multiplier,
            mean_charge_s=ns.charge_mean,
            power_w=ns.power,
            step_s=1.0,
        ),
        capture_path=ns.capture,
        metrics_port=ns.metrics_port,
        metrics_host=ns.metrics_host,
        ocpp=ns.ocpp,
        csms_script=tuple(ns.csms_script or ()),
        console=console_settings(ns),
        replay=replay,
    )


def run_fleet(ns: argparse.Namespace) -> int:
    """Run `fleet run` with parsed arguments; print the summary, check the SLOs, write the files."""
    try:
        job = with_abort_on_fail(with_faults(job_from_arguments(ns), ns), ns)
    except (ProfileError, ValueError) as exc:
        print(f"fleet run: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if ns.csms_script and ns.csms:
        print("fleet run: error: --csms-script drives the embedded CSMS; drop --csms URL", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if not check_output_options(
        "fleet run",
        (("--out", ns.out), ("--report", ns.report), ("--capture", ns.capture), *ci_output_paths(ns)),
    ):
        return ExitCode.BAD_INPUT
    if not check_baseline(ns, job):
        return ExitCode.BAD_INPUT
    target = ns.csms or "the embedded CSMS"
    print(
        f"fleet: {ns.stations} stations -> {target}, {ns.duration:g} s, ramp {ns.ramp:g}/s, seed {ns.seed}",
        file=sys.stderr,
    )
    announce_metrics(ns, "fleet")
    note_insecure(job.fleet, None)
    started = started_run_metadata(ns, argv=vars(ns).get("argv", []), defaults=_run_defaults())
    job = replace(job, run_info=run_info_labels(started))  # ocpp_fleet_run_info's labels
    result = run_job_scaled(job, ns, progress=print_progress_line)
    if result is None:
        return ExitCode.BAD_INPUT
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if result.summary is None:
        return _report_failed_run(ns, result, ended_run_metadata(started))
    result.summary["run"] = ended_run_metadata(started)
    if job.fleet.stages:
        result.summary["stages"] = [stage.to_dict() for stage in job.fleet.stages]
    print(format_summary(result.summary))
    note_insecure(job.fleet, result.summary)
    return _report(ns, result, result.summary)


def _report_failed_run(ns: argparse.Namespace, result: JobResult, run: dict[str, Any]) -> int:
    """A run that could not happen (the CSMS unreachable): say why; the report and the JUnit file
    say it too (there, every threshold fails unmeasured, and the run is an error)."""
    print(f"fleet: error: {result.failure}", file=sys.stderr)
    failed = {"failure": result.failure, "run": run, "slo": unmeasured_verdicts(ns.slo, str(result.failure))}
    if ns.report:
        _write_report(ns.report, failed)
    if ns.junit:
        _write_file(Output("--junit", ns.junit, "junit", ".xml"), lambda path: write_junit(path, failed))
    return result.exit_code


def _report(ns: argparse.Namespace, result: JobResult, summary: dict[str, Any]) -> int:
    """Check the SLOs against a finished run and write its files; the exit code. A file that
    cannot be written where asked is saved under a fallback name; the run's own exit code stands
    if it is not OK, else the exit code is BAD_INPUT (README: "Exit codes")."""
    exit_code = result.exit_code
    if ns.slo and result.recorder is not None:
        exit_code = check_slos(ns.slo, result.recorder, summary) or exit_code
    exit_code = baseline_verdict(ns, summary, exit_code)
    wrote_out = not ns.out or _write_file(
        Output("--out", ns.out, "results", ".json"), lambda path: write_json(summary, path)
    )
    wrote_report = not ns.report or _write_report(ns.report, summary)
    wrote_ci = write_ci_outputs(ns, result, summary, _write_file)
    return exit_code or (ExitCode.OK if wrote_out and wrote_report and wrote_ci else ExitCode.BAD_INPUT)


def _write_report(path: str, summary: dict[str, Any]) -> bool:
    return _write_file(
        Output("--report", path, "report", ".html"), lambda target: write_html_report(target, summary)
    )


def _write_file(output: Output, write: Callable[[str], None]) -> bool:
    """Write one output file (or its fallback); True if it is where it was asked for."""
    if write_or_fall_back("fleet run", output, write):
        print(f"{output.what} written to {output.path}", file=sys.stderr)
        return True
    return False
