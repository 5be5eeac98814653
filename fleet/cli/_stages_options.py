"""`fleet run --stages` (stepped load, k6 style) and `--rate-multiplier` (busier stations).

With --stages, the number of stations is the stages' peak and the duration their sum: a
--stations or --duration that says otherwise is refused (a value equal to the option's default
counts as not given). A stage's ``xF`` (``10m:1000x2``) multiplies the arrival rate during that
stage; it and --rate-multiplier (one multiplier for the whole run) are not used together.
"""

from __future__ import annotations

import argparse

from fleet.engine import Stage, parse_stages, stages_duration, stages_have_multipliers, stages_peak

_DEFAULT_STATIONS = 50
_DEFAULT_DURATION_S = 30.0


def _stages(text: str) -> tuple[Stage, ...]:
    try:
        return parse_stages(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def rate_multiplier(text: str) -> float:
    """``2``, ``x2`` or ``2x``: a finite number greater than 0."""
    number = text.strip().lower().removeprefix("x").removesuffix("x")
    try:
        value = float(number)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(
            f"expected a multiplier greater than 0 such as 2 or x2, got {text!r}"
        )
    return value


def add_stages_options(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--stages",
        type=_stages,
        default=None,
        metavar="DURATION:STATIONS[xF],...",
        help="stepped load, k6 style: each stage ramps the connected stations linearly from the "
        "previous stage's target (the first from 0) to its own, e.g. 30s:100,1m:100,30s:300; "
        "ramping down stops the highest-numbered stations, ramping up again restarts them with the "
        "same ids and seeds; sets --stations (the peak) and --duration (the sum). A stage ending in "
        "xF (F > 0) multiplies the arrival rate by F from its start, e.g. 10m:1000,10m:1000x2,5m:0 "
        "(a stage without xF keeps the previous one's, the first x1; not with --rate-multiplier)",
    )
    run.add_argument(
        "--rate-multiplier",
        type=rate_multiplier,
        default=1.0,
        metavar="X",
        help="busier stations: the profile's arrival rate times X (same daily shape), or the "
        "simple driver's mean idle time divided by X; 2 or x2 = rush hour x2 (default 1); for a "
        "multiplier per stage, end the --stages with xF instead (the two are not used together)",
    )


def apply_stages(ns: argparse.Namespace) -> None:
    """Set ``ns.stations`` and ``ns.duration`` from ``ns.stages``; ValueError, one line, when
    --stations or --duration says otherwise."""
    stages: tuple[Stage, ...] | None = ns.stages
    if not stages:
        return
    _check_stage_multipliers(ns, stages)
    peak, total = stages_peak(stages), stages_duration(stages)
    if ns.stations not in (peak, _DEFAULT_STATIONS):
        raise ValueError(f"--stations {ns.stations} conflicts with --stages (peak {peak}): drop --stations")
    if ns.duration not in (total, _DEFAULT_DURATION_S):
        raise ValueError(
            f"--duration {ns.duration:g}s conflicts with --stages (total {total:g}s): drop --duration"
        )
    ns.stations, ns.duration = peak, total


def _check_stage_multipliers(ns: argparse.Namespace, stages: tuple[Stage, ...]) -> None:
    """Per-stage multipliers (``xF``) stand alone: not with --rate-multiplier (a value of 1 counts
    as not given), not with --load-plan (its visits are fixed)."""
    if not stages_have_multipliers(stages):
        return
    if ns.rate_multiplier != 1.0:
        raise ValueError(
            f"--rate-multiplier {ns.rate_multiplier:g} conflicts with the xF multipliers of --stages: "
            "drop --rate-multiplier or put its factor in the stages"
        )
    if ns.load_plan:
        raise ValueError(
            "--stages with xF multiplies the arrivals; --load-plan replays fixed visits: drop one"
        )
