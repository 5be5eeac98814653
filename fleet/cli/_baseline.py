"""`fleet run --baseline FILE`: judge the run against a stored result, as `fleet compare` would,
and fold the verdict into the run's one exit code.

The baseline is checked before the first station starts: readable, a results file, every
--baseline-tolerance naming one of its figures, and the run about to start comparable with it
(same stations, duration, profile, speed, OCPP, CSMS), unless --allow-different. After the run the
comparison is printed; a regression makes the exit code 6 unless the run already failed
otherwise (README "Exit codes": an SLO violation, 3, and the run's own failures, 1, 4 and 5, come
first).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any

from fleet.cli._comparison_options import (
    add_allow_different_option,
    add_tolerance_option,
    announce_differences,
    compare_runs,
    load_results,
)
from fleet.cli._exit_codes import ExitCode
from fleet.engine import RunJob
from fleet.metrics import (
    EMBEDDED_CSMS,
    ResultsError,
    RunShape,
    ToleranceError,
    Tolerances,
    differences,
    figure_names,
    format_comparison,
    ocpp_label,
    run_shape,
)


def add_baseline_options(run: argparse.ArgumentParser) -> None:
    baseline = run.add_argument_group("baseline (nightly CI)")
    baseline.add_argument(
        "--baseline",
        metavar="FILE",
        help="compare the run against this stored result (`fleet run --out`) as `fleet compare` "
        "does; a regression makes the exit code 6",
    )
    add_tolerance_option(baseline, "--baseline-tolerance")
    add_allow_different_option(baseline, " (with --baseline)")


def check_baseline(ns: argparse.Namespace, job: RunJob) -> bool:
    """Before the run: False (after one line on stderr) if --baseline cannot be used for ``job``."""
    if ns.baseline is None:
        return _no_baseline_options(ns)
    try:
        base = load_results(ns.baseline)
        Tolerances(tuple(ns.baseline_tolerance)).check_names(figure_names(base), "--baseline-tolerance")
    except ResultsError as exc:
        print(f"fleet run: error: --baseline {exc}", file=sys.stderr)
        return False
    except ToleranceError as exc:
        print(f"fleet run: error: {exc}", file=sys.stderr)
        return False
    found = differences(run_shape(base), planned_shape(job))
    announce_differences("fleet run", f"--baseline {ns.baseline}: ", found, allowed=ns.allow_different)
    return not found or ns.allow_different


def _no_baseline_options(ns: argparse.Namespace) -> bool:
    for option, given in (
        ("--baseline-tolerance", ns.baseline_tolerance),
        ("--allow-different", ns.allow_different),
    ):
        if given:
            print(f"fleet run: error: {option} needs --baseline FILE", file=sys.stderr)
            return False
    return True


def planned_shape(job: RunJob) -> RunShape:
    """What ``job`` is set up to do, as a finished run's result would record it."""
    fleet = job.fleet
    return RunShape(
        stations=fleet.stations,
        configured_duration_s=fleet.duration_s,
        measured_duration_s=None,
        profile=job.profile.name if job.profile is not None else None,
        speed=fleet.speed,
        ocpp=ocpp_label(job.ocpp.counts(fleet.stations)),
        csms=fleet.csms_url or EMBEDDED_CSMS,
        ramp_per_s=fleet.ramp_per_s,
        evses=job.evses_per_station,
    )


def baseline_verdict(ns: argparse.Namespace, summary: Mapping[str, Any], exit_code: int) -> int:
    """After the run: print the comparison with --baseline; ``exit_code`` if it is not OK, else
    REGRESSION on a regression. A run that differs from the baseline after all (it was
    interrupted or aborted) is compared with a warning."""
    if ns.baseline is None:
        return exit_code
    try:
        base = load_results(ns.baseline)
        comparison = compare_runs(
            base,
            summary,
            (ns.baseline, "this run"),
            ns.baseline_tolerance,
            "--baseline-tolerance",
            allow_different=True,
        )
    except (ResultsError, ToleranceError) as exc:
        print(f"fleet run: error: --baseline {exc}", file=sys.stderr)
        return exit_code or ExitCode.BAD_INPUT
    announce_differences("fleet run", f"--baseline {ns.baseline}: ", comparison.differences, allowed=True)
    print(format_comparison(comparison))
    return exit_code or (ExitCode.REGRESSION if comparison.regressions else ExitCode.OK)
