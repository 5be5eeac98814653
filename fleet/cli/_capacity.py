"""`fleet capacity`: how many stations a CSMS holds at the given SLOs, and where and why it breaks.
Each step is a `fleet run` of the same job with more stations (README "Capacity planning")."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import trio

from fleet.behaviour import ProfileError
from fleet.capacity import (
    CapacityAnswer,
    CapacityPlan,
    ForecastPeak,
    LoadAxis,
    StepResult,
    StepRunner,
    capacity_answer,
    frames_used,
    headroom,
    parse_precision,
    parse_step,
    search_capacity,
)
from fleet.cli import _arguments as arg
from fleet.cli._exit_codes import ExitCode
from fleet.cli._output_paths import check_output_options
from fleet.cli._ramp_options import RampOver
from fleet.cli._run import add_run_options, job_from_arguments
from fleet.metrics import write_capacity_report, write_json

_COMMAND = "fleet capacity"
# `fleet run` options that make no sense per step (the search sets stations and duration itself)
_NOT_PER_STEP = ("stages", "abort_on_fail", "baseline", "junit", "csv", "capture", "csms_script")


def add_capacity_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    capacity = commands.add_parser(
        "capacity",
        help="find how many stations a CSMS holds at the --slo thresholds, and where it breaks",
        description="Step the stations up (each step a `fleet run` of --warmup + --hold after the "
        "ramp), stop at the first step that fails an --slo, bisect to --precision. --stations and "
        "--duration are set per step. A step whose generator is saturated is inconclusive.",
    )
    add_run_options(capacity)
    _add_search_options(capacity.add_argument_group("capacity search"))


def _add_search_options(group: argparse._ArgumentGroup) -> None:
    _add_rate_options(group)
    _add_step_options(group)


def _add_rate_options(group: argparse._ArgumentGroup) -> None:
    """--vary rate: the same stations, busier."""
    group.add_argument(
        "--vary",
        choices=("stations", "rate"),
        default="stations",
        help="what grows: more stations, or the same --stations busier (the profile's arrival rate "
        "times a multiplier, --start-rate to --max-rate; default stations)",
    )
    group.add_argument(
        "--start-rate",
        type=_typed(_multiplier),
        default=1.0,
        metavar="X",
        help="--vary rate: the arrival-rate multiplier of the first step (default 1)",
    )
    group.add_argument(
        "--max-rate",
        type=_typed(_multiplier),
        default=16.0,
        metavar="X",
        help="--vary rate: never step above this multiplier (default 16)",
    )


def _add_step_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--start-stations",
        type=arg.positive_int,
        default=10,
        metavar="N",
        help="stations of the first step (default 10)",
    )
    group.add_argument(
        "--step",
        type=_typed(parse_step),
        default=parse_step("x2"),
        metavar="xF|+N",
        help="next step: x2 doubles the stations, +100 adds 100 (default x2)",
    )
    group.add_argument(
        "--max-stations",
        type=arg.positive_int,
        default=100_000,
        metavar="N",
        help="never step above N stations (default 100000)",
    )
    group.add_argument(
        "--precision",
        type=_typed(parse_precision),
        default=parse_precision("5%"),
        metavar="P",
        help="bisect until good and bad are this close: 5%% or 50 stations (default 5%%)",
    )
    group.add_argument(
        "--hold",
        type=arg.duration,
        default=30.0,
        metavar="DURATION",
        help="measure each step this long after its warm-up (default 30s)",
    )
    group.add_argument(
        "--warmup",
        type=arg.non_negative_duration,
        default=10.0,
        metavar="DURATION",
        help="after the ramp, not judged (default 10s)",
    )
    group.add_argument(
        "--expect",
        type=arg.positive_int,
        default=None,
        metavar="N",
        help="exit 7 when the CSMS holds fewer than N stations",
    )
    group.add_argument(
        "--forecast",
        metavar="FILE",
        help="a `fleet simulate --out` forecast: state its peak hour as a share of the capacity",
    )


def _multiplier(text: str) -> float:
    value = float(text.strip().removeprefix("x"))
    if not (0.01 <= value <= 1_000_000):
        raise ValueError(f"expected a multiplier from 0.01 up, like 1 or x2.5, got {text!r}")
    return value


def _typed(parse: Any) -> Any:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def run_capacity(ns: argparse.Namespace) -> int:
    """Run the search with parsed arguments; print the answer, write the files; the exit code."""
    try:
        runner, forecast = _prepare(ns)
    except (ProfileError, ValueError) as exc:
        print(f"{_COMMAND}: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if not check_output_options(_COMMAND, (("--out", ns.out), ("--report", ns.report))):
        return ExitCode.BAD_INPUT
    outcome = trio.run(partial(search_capacity, runner.plan, runner, _print_step))
    profile = runner.job.profile.name if runner.job.profile is not None else None
    what = f"{profile} stations" if profile else "stations"
    answer = capacity_answer(outcome, [slo.text for slo in ns.slo], what, runner.axis)
    # a share of stations only means something when the stations were what grew
    stations = answer.stations if runner.axis.vary == "stations" else 0
    room = headroom(forecast, stations, answer.messages_per_s, profile) if forecast else None
    frames = frames_used(ns.deflate)
    print(answer.line + (f"; {room['sentence']}" if room else "") + f"; {frames}")
    result = {**answer.to_dict([slo.text for slo in ns.slo], room), "frames": frames, "deflate": ns.deflate}
    return _write(ns, result) or _exit_code(answer, ns.expect)


def _prepare(ns: argparse.Namespace) -> tuple[StepRunner, ForecastPeak | None]:
    """The step runner and the forecast the options ask for; ValueError says what is wrong."""
    if not ns.slo:
        raise ValueError("give at least one --slo threshold: a capacity is the load that meets them")
    if isinstance(ns.ramp, RampOver):
        raise ValueError("--ramp-over is per run; give --ramp STATIONS_PER_S (each step ramps at it)")
    for name in _NOT_PER_STEP:
        if vars(ns).get(name):
            raise ValueError(f"--{name.replace('_', '-')} is not for `fleet capacity` (each step is a run)")
    axis = _axis(ns)
    start, maximum = (
        (axis.level_of_multiplier(ns.start_rate), axis.level_of_multiplier(ns.max_rate))
        if axis.vary == "rate"
        else (ns.start_stations, ns.max_stations)
    )
    plan = CapacityPlan(
        start_stations=start,
        max_stations=maximum,
        step=ns.step,
        precision=ns.precision,
        warmup_s=ns.warmup,
        hold_s=ns.hold,
    )
    forecast = ForecastPeak.read(ns.forecast) if ns.forecast else None
    runner = StepRunner(
        job_from_arguments(ns), plan, ns.slo, workers=ns.workers, csms_workers=ns.csms_workers, axis=axis
    )
    return runner, forecast


def _axis(ns: argparse.Namespace) -> LoadAxis:
    """The load the search grows; ValueError for options that do not fit it."""
    if ns.vary == "stations":
        return LoadAxis()
    if ns.rate_multiplier != 1.0:
        raise ValueError("--vary rate sets the arrival-rate multiplier per step: drop --rate-multiplier")
    if ns.step.increment or ns.precision.stations:
        raise ValueError(
            "--vary rate steps a multiplier: give --step as a factor (x2) and --precision as a share (5%)"
        )
    if ns.max_rate < ns.start_rate:
        raise ValueError(f"--max-rate {ns.max_rate:g} is below --start-rate {ns.start_rate:g}")
    return LoadAxis("rate", stations=ns.stations)


def _print_step(number: int, step: StepResult) -> None:
    """One line per step on stderr: stations (and multiplier), rate, each SLO as measured, the verdict."""
    verdict = {"good": "PASS", "bad": "FAIL", "inconclusive": "INCONCLUSIVE"}[step.verdict]
    measured = "; ".join(f"{v['slo']}: {v['detail']}" for v in step.slo) or (step.failure or "")
    if step.verdict == "inconclusive":
        measured = "generator saturated: " + "; ".join(step.generator.get("reasons", []))
    busier = f" at x{step.rate_multiplier:g} arrival rate" if step.rate_multiplier != 1.0 else ""
    rate = f"{step.messages_per_s:,.1f} msg/s"
    print(
        f"step {number}: {step.stations:,} stations{busier}, {rate}, {measured} {verdict}",
        file=sys.stderr,
    )


def _write(ns: argparse.Namespace, result: dict[str, Any]) -> int:
    """Write --out and --report; BAD_INPUT if one could not be written, else 0."""
    outputs: tuple[tuple[str, str | None, Callable[[str], None]], ...] = (
        ("--out", ns.out, partial(write_json, result)),
        ("--report", ns.report, lambda path: write_capacity_report(path, result)),
    )
    for option, path, write in outputs:
        if not path:
            continue
        try:
            write(path)
        except OSError as exc:
            print(f"{_COMMAND}: error: {option} {path}: {exc.strerror or exc}", file=sys.stderr)
            return ExitCode.BAD_INPUT
        print(f"{option.removeprefix('--')} written to {path}", file=sys.stderr)
    return 0


def _exit_code(answer: CapacityAnswer, expect: int | None) -> int:
    if answer.finding == "inconclusive" or (answer.finding == "below_start" and _never_ran(answer)):
        return ExitCode.FAILED
    if expect is not None and answer.stations < expect:
        return ExitCode.CAPACITY_BELOW_EXPECTED
    return ExitCode.OK


def _never_ran(answer: CapacityAnswer) -> bool:
    """No step could run at all (the CSMS unreachable): there is no capacity to compare."""
    return all(step.failure for step in answer.outcome.steps)
