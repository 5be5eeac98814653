"""`fleet simulate`'s options for a capacity planner: every driver's record (--sessions), the
spread over several seeds (--seeds) and power caps per station (--site-cap), and the summary
lines for the load, the EVSEs and the drivers."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fleet.cli import _arguments as arg
from fleet.simulation import (
    SHARING_RULES,
    FleetSpec,
    Forecast,
    SimulationConfig,
    SiteCaps,
    planner_peaks,
    run_sharded,
    seed_spread,
)


class PlanningOptionError(ValueError):
    """Planning options that do not fit the run; the message names the option."""


def add_sessions_options(simulate: argparse.ArgumentParser) -> None:
    planning = simulate.add_argument_group("capacity planning")
    planning.add_argument(
        "--sessions",
        metavar="FILE",
        help="write one CSV row per driver to FILE: arrival, plug-in/out, transaction start/stop, kWh, "
        "EV model, SoC in/out, turned away (session model only; columns in README)",
    )
    planning.add_argument(
        "--seeds",
        type=arg.positive_int,
        default=1,
        metavar="N",
        help="run seeds S, S+1, ... S+N-1 and report the spread (p5/p50/p95) of the peaks: kW, messages/s "
        "(all and per action), occupied EVSEs, turned away (the files show seed S; default 1)",
    )
    planning.add_argument(
        "--site-cap",
        type=_site_cap,
        action="append",
        default=[],
        metavar="[TYPE=]KW",
        help="cap each station at KW, its EVSEs sharing it as --site-cap-sharing says; TYPE= caps only "
        "the profile's station type TYPE (repeat for several)",
    )
    planning.add_argument(
        "--site-cap-sharing",
        choices=SHARING_RULES,
        default="static",
        help="how a capped station's EVSEs share its cap: static, a fixed equal share (each at most "
        "KW / EVSEs, default); dynamic, the EVSEs that charge share it (a lone car gets all of it), "
        "re-split as sessions start and stop (session model only)",
    )


def _site_cap(text: str) -> tuple[str | None, float]:
    name, _, kw = text.rpartition("=")
    if "=" in text and not name.strip():
        raise argparse.ArgumentTypeError(f"expected KW or TYPE=KW, got {text!r}")
    return (name.strip() or None), arg.positive_float(kw)


def site_caps(ns: argparse.Namespace) -> SiteCaps | None:
    """The --site-cap options as SiteCaps (None without any); the last cap for a type wins."""
    caps: list[tuple[str | None, float]] = ns.site_cap
    if not caps:
        return None
    if ns.profile is None:
        raise PlanningOptionError("--site-cap caps a profile's stations: use it with --profile")
    every = [kw for name, kw in caps if name is None]
    named = {name: kw for name, kw in caps if name is not None}
    return SiteCaps(every[-1] if every else None, tuple(sorted(named.items())), ns.site_cap_sharing)


def check_planning_options(ns: argparse.Namespace, model: str) -> None:
    if ns.sessions and model != "sessions":
        raise PlanningOptionError("--sessions needs the session model (--model sessions with --profile)")
    if ns.site_cap_sharing == "dynamic" and model != "sessions":
        raise PlanningOptionError(
            "--site-cap-sharing dynamic needs the session model (--model sessions with --profile)"
        )


def run_seeds(
    config: SimulationConfig,
    spec: FleetSpec,
    workers: int,
    seeds: int,
    on_progress: Callable[[float], None] | None,
) -> Forecast:
    """The forecast of ``spec.seed``; with ``seeds`` > 1 its summary gets ``seed_spread`` over
    seeds ``spec.seed`` ... ``spec.seed + seeds - 1`` (each run on its own, then dropped)."""
    first = run_sharded(config, spec, workers, on_progress=on_progress)
    if seeds == 1:
        return first
    numbers = list(range(spec.seed, spec.seed + seeds))
    peaks = [planner_peaks(first)]
    for seed in numbers[1:]:
        other = run_sharded(
            dataclasses.replace(config, seed=seed),
            dataclasses.replace(spec, seed=seed, keep_records=False),
            workers,
        )
        peaks.append(planner_peaks(other))
    first.summary["seed_spread"] = seed_spread(numbers, peaks)
    return first


def echo_planning(forecast: Forecast, ns: argparse.Namespace, caps: SiteCaps | None) -> None:
    """The planning inputs in the forecast's ``config``."""
    start: date = ns.start_date
    forecast.config["start_date"] = start.isoformat()
    forecast.config["start_weekday"] = start.strftime("%A")
    if caps is not None:
        forecast.config["site_cap_kw"] = {
            "every_station": caps.every_kw,
            "by_station_type": dict(caps.by_type),
            "sharing": _SHARING_ECHO[caps.sharing],
        }


_SHARING_ECHO = {
    "static": "equal fixed share: each EVSE at most cap / EVSEs of its station",
    "dynamic": "dynamic: the EVSEs charging share the cap (water-filling), each at most the cap",
}


def start_utc(start: date) -> float:
    """00:00 UTC of ``start`` (the profile's UTC offset moves it to local midnight)."""
    return datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()


def planning_lines(summary: dict[str, Any], clock: Callable[[float], str]) -> list[str]:
    """The summary lines of the session model's site figures and the seed spread, if any."""
    lines: list[str] = []
    sites = summary.get("sites")
    if sites is not None:
        every = sites["all"]
        load, occupancy, drivers = every["load_kw"], every["occupancy"], every["drivers"]
        by_site = ", ".join(
            f"{site} {block['load_kw']['peak']} kW at {clock(block['load_kw']['peak_at_s'])}"
            for site, block in sites["by_site_type"].items()
        )
        lines += [
            f"load: peak {load['peak']} kW at {clock(load['peak_at_s'])} (minute mean); {by_site}",
            f"EVSEs: peak {occupancy['peak_occupied_evses']:g} of {every['evses']} occupied at "
            f"{clock(occupancy['peak_at_s'])}; {occupancy['occupied_evse_hours']} EVSE-hours plugged in, "
            f"{occupancy['idle_evse_hours']} of them idle ({occupancy['idle_share']:.0%} not charging)",
            f"drivers: {drivers['arrivals']} arrived, {drivers['charged']} charged, "
            f"{drivers['turned_away']} turned away ("
            + ", ".join(f"{outcome} {count}" for outcome, count in drivers["by_outcome"].items())
            + ")",
        ]
    spread = summary.get("seed_spread")
    if spread is not None:
        peaks = spread["peaks"]
        shown = [
            name
            for name in ("load_kw", "messages_per_second", "occupied_evses", "turned_away")
            if name in peaks
        ]
        lines.append(
            f"over seeds {spread['seeds'][0]}..{spread['seeds'][-1]} (p5 / p50 / p95): "
            + "; ".join(
                f"{name} {peaks[name]['p5']:g} / {peaks[name]['p50']:g} / {peaks[name]['p95']:g}"
                for name in shown
            )
        )
    return lines
