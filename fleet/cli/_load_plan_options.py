"""`fleet run --load-plan FILE [--from HH:MM --to HH:MM]`: replay the day `fleet simulate
--load-plan` forecast against a CSMS. The plan brings the profile, the stations and the day; the
run covers the window at --speed (its --duration is the window's length divided by the speed)."""

from __future__ import annotations

import argparse
import re
import sys

from fleet.behaviour import (
    LoadPlanError,
    PlanReplay,
    check_plan_fits,
    load_profile,
    read_load_plan,
    resolve_profile,
)
from fleet.engine import OcppMix

_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)$")


def clock_time(text: str) -> float:
    """HH:MM on the plan's clock, as seconds from its first midnight (25:30 is 01:30 of day two)."""
    match = _CLOCK.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected a time of the plan's day as HH:MM, e.g. 17:00, got {text!r}"
        )
    return int(match.group(1)) * 3600.0 + int(match.group(2)) * 60.0


def add_load_plan_options(run: argparse.ArgumentParser) -> None:
    plan = run.add_argument_group(
        "load plan", "replay the day `fleet simulate --load-plan FILE` forecast, visit by visit"
    )
    plan.add_argument(
        "--load-plan",
        metavar="FILE",
        help="drive the stations by a load plan: its profile, stations and visits (arrival, EV, SoC, "
        "id token, departure) instead of drawn ones; the run's clock shows the plan's day; "
        "--duration becomes the window's length divided by --speed",
    )
    plan.add_argument(
        "--from",
        dest="plan_from",
        type=clock_time,
        default=None,
        metavar="HH:MM",
        help="replay the plan from this time of its day (default 00:00); visits under way then join at once",
    )
    plan.add_argument(
        "--to",
        dest="plan_to",
        type=clock_time,
        default=None,
        metavar="HH:MM",
        help="replay the plan up to this time of its day (default: the end of the plan)",
    )


def apply_load_plan(ns: argparse.Namespace) -> PlanReplay | None:
    """The replay --load-plan asks for, with the run's profile, stations, duration and start taken
    from the plan into ``ns``; None without --load-plan. Raises LoadPlanError (a ValueError) for a
    bad plan or window and ProfileError for the plan's profile."""
    if not ns.load_plan:
        if ns.plan_from is not None or ns.plan_to is not None:
            raise LoadPlanError(
                "--from and --to pick a window of a load plan: use them with --load-plan FILE"
            )
        return None
    if ns.profile:
        raise LoadPlanError("--load-plan brings its profile (the one it was forecast with): drop --profile")
    plan = read_load_plan(ns.load_plan)
    end_s = plan.hours * 3600.0
    from_s = ns.plan_from if ns.plan_from is not None else 0.0
    to_s = ns.plan_to if ns.plan_to is not None else end_s
    if from_s >= end_s:
        raise LoadPlanError(f"--from {_clock(from_s)}: the plan {ns.load_plan} ends at {_clock(end_s)}")
    if to_s <= from_s:
        raise LoadPlanError(f"--to {_clock(to_s)} is not after --from {_clock(from_s)}")
    to_s = min(to_s, end_s)
    profile = load_profile(resolve_profile(plan.profile))
    check_plan_fits(plan, profile)
    replay = PlanReplay(plan, from_s, to_s)
    ns.profile = plan.profile
    ns.stations = plan.stations
    ns.duration = (to_s - from_s) / ns.speed
    ns.start = plan.epoch + from_s
    sessions = sum(1 for _, visit in plan.sessions if from_s <= (visit.started_s or 0.0) < to_s)
    if OcppMix.parse(plan.ocpp) != ns.ocpp:
        print(
            f"fleet run: note: load plan {ns.load_plan} was forecast with --ocpp {plan.ocpp}; "
            "this run's stations speak the --ocpp given here",
            file=sys.stderr,
        )
    print(
        f"fleet run: load plan {ns.load_plan}: profile {plan.profile}, {plan.stations} stations, "
        f"{_clock(from_s)}-{_clock(to_s)} of {plan.start_date} at speed {ns.speed:g} "
        f"({sessions} planned sessions start in the window)",
        file=sys.stderr,
    )
    return replay


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}"


__all__ = ["add_load_plan_options", "apply_load_plan", "clock_time"]
