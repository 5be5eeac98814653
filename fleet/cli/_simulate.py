"""`fleet simulate`: forecast a day of CSMS load in virtual time (no sockets, no waiting)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from datetime import date

from fleet.behaviour import ProfileError
from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.cli._fleet_options import (
    add_duration_alternative,
    add_seed_option,
    add_station_layout_options,
    add_stations_option,
)
from fleet.cli._output_paths import check_output_options
from fleet.cli._ramp_options import add_simulate_ramp_options
from fleet.cli._simulate_plan_options import (
    PlanOptionError,
    add_simulate_plan_options,
    check_plan_options,
    forecast_and_plan,
    needs_frames,
    with_ocpp,
)
from fleet.cli._simulate_planning import (
    PlanningOptionError,
    add_sessions_options,
    check_planning_options,
    echo_planning,
    planning_lines,
    run_seeds,
    site_caps,
    start_utc,
)
from fleet.csms import CsmsConfig
from fleet.simulation import (
    MODELS,
    FleetSpec,
    Forecast,
    Model,
    SamplingOverride,
    SimulationConfig,
    SiteCapError,
    WorkerDied,
    build_fleet,
    write_forecast_json,
    write_forecast_png,
    write_sessions_csv,
)

_PROGRESS_EVERY_S = 2.0
_DEFAULT_START = date(2026, 1, 5)  # fleet.simulation.DEFAULT_EPOCH's day, a Monday
_WEEKS_DAYS = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(.*)$")


def add_simulate_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `simulate` to the `fleet` sub-commands (``subparsers`` from ``add_subparsers``)."""
    simulate = subparsers.add_parser(
        "simulate",
        help="forecast the load a fleet puts on a CSMS, in virtual time",
        description="Run stations, drivers and a CSMS model in virtual time and forecast what "
        "the CSMS receives: messages/s by action, concurrent transactions, energy, offline "
        "replays. Same seed, same output, bit for bit. Two models: 'sessions' (the default with "
        "a profile) counts each visit's messages without building them, a day of 10,000 "
        "stations in seconds; 'frames' sends every OCPP frame through the station core and the "
        "CSMS model on an event heap (a few hundred times slower; per-message latency, every "
        "protocol path).",
    )
    _add_model_options(simulate)
    add_stations_option(simulate, default=100)
    length = simulate.add_mutually_exclusive_group()
    length.add_argument(
        "--hours", type=arg.positive_float, default=24.0, metavar="H", help="simulated hours (default 24)"
    )
    add_duration_alternative(
        length,
        "--duration",
        dest="hours",
        type=_hours,
        help="instead of --hours: simulated time as a duration, e.g. 24h, 90m, 1h30m, 7d, 2w, 1d12h",
    )
    length.add_argument(
        "--days",
        dest="hours",
        type=_days,
        default=argparse.SUPPRESS,
        metavar="N",
        help="instead of --hours: N whole days (a week: 7)",
    )
    simulate.add_argument(
        "--start-date",
        type=_start_date,
        default=_DEFAULT_START,
        metavar="YYYY-MM-DD",
        help="the first simulated day, from 00:00 site local time (default 2026-01-05, a Monday): "
        "the day of the week picks the profile's weekday, Friday, Saturday or Sunday curves",
    )
    add_seed_option(simulate, metavar="S")
    add_simulate_plan_options(simulate)
    add_sessions_options(simulate)
    _add_output_options(simulate)
    _add_network_options(simulate)
    add_station_layout_options(
        simulate,
        evses_help="EVSEs per station for the simple driver (a profile sets its own; default 2)",
        id_prefix_help="station id prefix (default SIM-)",
    )
    _add_what_if_options(simulate)
    simulate.add_argument(
        "--workers",
        type=arg.positive_int,
        default=1,
        metavar="N",
        help="split the stations over N processes (default 1); the forecast is the same for any N",
    )


def _hours(text: str) -> float:
    """A duration with optional leading weeks and days (``2w``, ``7d``, ``1d12h``), in hours."""
    match = _WEEKS_DAYS.match(text.strip())
    weeks, days, rest = (match.group(1), match.group(2), match.group(3)) if match else (None, None, text)
    seconds = (int(weeks or 0) * 7 + int(days or 0)) * 86_400.0
    if rest or not seconds:
        try:
            seconds += arg.duration(rest)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"expected a duration such as 90m, 24h, 1h30m, 7d or 2w, got {text!r}"
            ) from None
    return seconds / 3600.0


def _days(text: str) -> float:
    return arg.positive_int(text) * 24.0


def _start_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _add_model_options(simulate: argparse.ArgumentParser) -> None:
    """What drives the stations, and how finely the simulation models it."""
    simulate.add_argument(
        "--profile",
        metavar="FILE",
        help="behaviour profile: a profiles/*.toml file or a bundled name such as 'workplace' "
        "(default: the built-in simple driver)",
    )
    simulate.add_argument(
        "--model",
        choices=MODELS,
        help="sessions: visits counted into messages, fast (default with --profile); frames: every "
        "frame built and checked (default for the simple driver, which only it runs)",
    )


def _add_output_options(simulate: argparse.ArgumentParser) -> None:
    simulate.add_argument("--out", metavar="FILE", help="write the forecast as JSON to FILE")
    simulate.add_argument(
        "--plot", metavar="FILE", help="draw the load curve as a PNG to FILE (needs matplotlib)"
    )


def _add_network_options(simulate: argparse.ArgumentParser) -> None:
    """The modeled network: its latency, and how the stations' connections are spread."""
    latency = simulate.add_mutually_exclusive_group()
    latency.add_argument(
        "--latency",
        type=arg.non_negative_duration,
        default=0.020,
        dest="latency_s",
        metavar="DURATION",
        help="modeled one-way network + CSMS latency (default 20ms: a round trip of ~40 ms)",
    )
    latency.add_argument(
        "--latency-ms",
        type=_milliseconds,
        dest="latency_s",
        metavar="MS",
        help="the same in milliseconds (the older spelling)",
    )
    add_simulate_ramp_options(simulate)


def _milliseconds(text: str) -> float:
    return arg.non_negative_float(text) / 1000.0


def _add_what_if_options(simulate: argparse.ArgumentParser) -> None:
    what_if = simulate.add_argument_group(
        "what if", "change a setting from the profile's or the CSMS model's and compare the forecasts"
    )
    what_if.add_argument(
        "--heartbeat-interval",
        type=arg.positive_whole_seconds,
        default=300,
        metavar="DURATION",
        help="the HeartbeatInterval the CSMS model hands out at boot, whole seconds: 300, 5m (default 300s)",
    )
    what_if.add_argument(
        "--meter-interval",
        type=arg.whole_seconds,
        metavar="DURATION",
        help="meter values during a transaction every DURATION, whole seconds (TxUpdatedInterval; 0 = none) "
        "instead of the profile's",
    )
    what_if.add_argument(
        "--aligned-interval",
        type=arg.whole_seconds,
        metavar="DURATION",
        help="clock-aligned meter values every DURATION, whole seconds (AlignedDataCtrlr.Interval; 0 = none) "
        "instead of the profile's",
    )


class _BadInput(Exception):
    """Arguments that cannot run together; the message says why."""


def run_simulate(ns: argparse.Namespace) -> int:
    """Run `fleet simulate` with parsed arguments; print the summary, write the files."""
    try:
        spec = _fleet_spec(ns)
        name, epoch, _ = build_fleet(spec, range(0))  # checks the profile before any work starts
        config = _simulation_config(ns, name, epoch)
        check_plan_options(ns, config.model)
        check_planning_options(ns, config.model)
    except (_BadInput, PlanOptionError, ProfileError, SiteCapError, PlanningOptionError) as exc:
        return _error(exc, ExitCode.BAD_INPUT)
    outputs = (("--out", ns.out), ("--plot", ns.plot), ("--sessions", ns.sessions))
    if not check_output_options("fleet simulate", outputs):
        return ExitCode.BAD_INPUT
    workers = min(ns.workers, ns.stations)
    print(
        f"fleet simulate: {ns.stations} stations, profile {name}, {ns.hours:g} h from "
        f"{ns.start_date.strftime('%A %Y-%m-%d')}, seed {ns.seed}"
        + (f" (and {ns.seeds - 1} more)" if ns.seeds > 1 else "")
        + f", {config.model} model"
        + (f", {workers} worker processes (no progress lines)" if workers > 1 else ""),
        file=sys.stderr,
    )
    started = time.monotonic()  # wall time for progress lines only, never in the results
    try:
        progress = _progress_printer(config.duration_s, started, config.model)
        forecast = (
            forecast_and_plan(ns, config, spec, progress)
            if ns.load_plan
            else run_seeds(config, spec, workers, ns.seeds, progress)
        )
        forecast = with_ocpp(forecast, ns.ocpp)
    except WorkerDied as exc:
        return _error(exc, ExitCode.FAILED)
    echo_planning(forecast, ns, spec.site_caps)
    wall_s = time.monotonic() - started
    print(_format_summary(forecast))
    print(f"simulated {ns.hours:g} h in {wall_s:.1f} s of wall time", file=sys.stderr)
    return _write_files(ns, forecast)


def _fleet_spec(ns: argparse.Namespace) -> FleetSpec:
    sampling = None
    if ns.meter_interval is not None or ns.aligned_interval is not None:
        if ns.profile is None:
            raise _BadInput(
                "--meter-interval and --aligned-interval change a profile's settings: use them with --profile"
            )
        sampling = SamplingOverride(ns.meter_interval, ns.aligned_interval)
    return FleetSpec(
        count=ns.stations,
        seed=ns.seed,
        profile=ns.profile,
        evses=ns.evses,
        id_prefix=ns.id_prefix,
        sampling=sampling,
        ocpp_16_share=ns.ocpp.share_16,
        start_utc=start_utc(ns.start_date),
        site_caps=site_caps(ns),
        keep_records=bool(ns.sessions),  # a week of a big fleet's records is hundreds of MB
    )


def _simulation_config(ns: argparse.Namespace, profile_name: str, epoch: float) -> SimulationConfig:
    model: Model = ns.model or ("frames" if ns.profile is None or needs_frames(ns) else "sessions")
    if model == "sessions" and ns.profile is None:
        raise _BadInput("--model sessions needs --profile (the simple driver runs on --model frames only)")
    return SimulationConfig(
        hours=ns.hours,
        seed=ns.seed,
        latency=ns.latency_s,
        ramp_s=ns.ramp_over,
        epoch=epoch,
        profile_name=profile_name,
        model=model,
        csms=CsmsConfig(heartbeat_interval=ns.heartbeat_interval),
    )


def _write_files(ns: argparse.Namespace, forecast: Forecast) -> int:
    """Write --out and --plot; the exit code."""
    if ns.out:
        write_forecast_json(forecast, ns.out)
        print(f"forecast written to {ns.out}", file=sys.stderr)
    if ns.sessions:
        rows = write_sessions_csv(forecast, ns.sessions)
        print(f"sessions written to {ns.sessions} ({rows} drivers)", file=sys.stderr)
    if ns.plot:
        try:
            write_forecast_png(forecast, ns.plot)
        except RuntimeError as exc:
            return _error(exc, ExitCode.BAD_INPUT)
        print(f"plot written to {ns.plot}", file=sys.stderr)
    return ExitCode.OK


def _error(exc: Exception, exit_code: int) -> int:
    print(f"fleet simulate: error: {exc}", file=sys.stderr)
    return exit_code


def _progress_printer(duration_s: float, started: float, model: str) -> Callable[[float], None]:
    last = [started]

    def progress(sim_s: float) -> None:
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY_S:
            last[0] = now
            share = sim_s / duration_s
            # the session model runs one station after the other, each for the whole period
            done = (
                f"{share:.0%} of the stations simulated"
                if model == "sessions"
                else f"simulated {_clock(sim_s)} of {_clock(duration_s)} ({share:.0%})"
            )
            print(f"  {done}, wall {now - started:.1f} s", file=sys.stderr, flush=True)

    return progress


def _clock(seconds: float) -> str:
    """HH:MM since the start; from the second day on, ``day N HH:MM``."""
    whole = int(seconds)
    day, within = divmod(whole, 86_400)
    hours_minutes = f"{within // 3600:02d}:{within % 3600 // 60:02d}"
    return f"day {day + 1} {hours_minutes}" if day else hours_minutes


def _format_summary(forecast: Forecast) -> str:
    summary = forecast.summary
    rates = summary["messages_per_second"]
    latency = summary["latency_ms"]["all"]
    lines = [
        f"messages received by the CSMS: {summary['messages_total']}",
        f"messages/s: peak {rates['peak']} at {_clock(rates['peak_at_s'])}, mean {rates['mean']}, "
        f"p50 {rates['p50']}, p95 {rates['p95']}, p99 {rates['p99']}",
        f"transactions: {summary['transactions_started']} started, {summary['transactions_ended']} ended, "
        f"peak {summary['peak_concurrent_transactions']} concurrent",
        f"energy delivered: {summary['energy_kwh']} kWh",
        f"offline replays: {summary['offline_replays']}, seqNo gaps {summary['seq_no_gaps']}, "
        f"duplicates {summary['seq_no_duplicates']}",
        (
            f"latency seen by the stations: p50 {latency['p50']} ms, p99 {latency['p99']} ms"
            if forecast.config["model"] == "frames"
            else "latency: not timed per message by the session model (--model frames does)"
        ),
        "by action: "
        + ", ".join(f"{action} {count}" for action, count in summary["messages_by_action"].items()),
        "peak messages/s by action: "
        + ", ".join(
            f"{action} {rates['peak']} at {_clock(rates['peak_at_s'])}"
            for action, rates in summary["messages_per_second_by_action"].items()
        ),
        *planning_lines(summary, _clock),
    ]
    return "\n".join(lines)


__all__ = ["add_simulate_command", "run_simulate"]
