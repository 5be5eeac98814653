"""`fleet simulate --ocpp VERSION` (1.6 stations and mixed fleets, as `fleet run --ocpp` spells
them) and `fleet simulate --load-plan FILE` (write the forecast day down for `fleet run
--load-plan`). Both run on the frames model: it drives the real 1.6 station core, and its drivers
are the ones a load plan records."""

from __future__ import annotations

import argparse
import sys

from fleet.behaviour import write_load_plan
from fleet.cli import _arguments as arg
from fleet.engine import OcppMix
from fleet.simulation import FleetSpec, Forecast, ProgressHook, SimulationConfig, forecast_with_plan


class PlanOptionError(Exception):
    """--ocpp or --load-plan with options they cannot run with; the message says why."""


def add_simulate_plan_options(simulate: argparse.ArgumentParser) -> None:
    simulate.add_argument(
        "--ocpp",
        type=arg.ocpp_mix,
        default=OcppMix(),
        metavar="VERSION",
        help="OCPP version of the stations, as for `fleet run`: 2.0.1 (default), 1.6, or mix:SHARE "
        "(that share speaks 1.6); 1.6 stations run on the frames model (the default then)",
    )
    simulate.add_argument(
        "--load-plan",
        metavar="FILE",
        help="also write the forecast day as a load plan to FILE: each station's visits (arrival, "
        "plug-in, start, stop, unplug, EV model, SoC in and target, id token) and the forecast's "
        "settings, for `fleet run --load-plan FILE` to replay against a CSMS (frames model, one process)",
    )


def needs_frames(ns: argparse.Namespace) -> bool:
    """True when --ocpp or --load-plan asks for the frames model (the default then)."""
    mix: OcppMix = ns.ocpp
    return mix.share_16 > 0.0 or bool(ns.load_plan)


def check_plan_options(ns: argparse.Namespace, model: str) -> None:
    """Raise PlanOptionError when --ocpp or --load-plan cannot run with the other options."""
    mix: OcppMix = ns.ocpp
    if mix.share_16 > 0.0 and model == "sessions":
        raise PlanOptionError(
            f"--ocpp {_spelling(mix)}: the session model counts OCPP 2.0.1 messages; "
            "1.6 stations run on --model frames (the default with --ocpp 1.6 or mix)"
        )
    if not ns.load_plan:
        return
    if ns.profile is None:
        raise PlanOptionError("--load-plan writes down a profile's visits: use it with --profile")
    if model == "sessions":
        raise PlanOptionError(
            "--load-plan records the frames model's drivers: use --model frames (the default)"
        )
    if ns.seeds > 1:
        raise PlanOptionError("--load-plan writes one forecast day: use it without --seeds")


def forecast_and_plan(
    ns: argparse.Namespace, config: SimulationConfig, spec: FleetSpec, on_progress: ProgressHook | None
) -> Forecast:
    """The forecast, in this process, with its load plan written to --load-plan."""
    forecast, plan = forecast_with_plan(config, spec, ocpp=_spelling(ns.ocpp), on_progress=on_progress)
    write_load_plan(plan, ns.load_plan)
    print(
        f"load plan written to {ns.load_plan} ({len(plan.sessions)} sessions; "
        f"replay: fleet run --load-plan {ns.load_plan} --speed X [--from HH:MM --to HH:MM])",
        file=sys.stderr,
    )
    return forecast


def with_ocpp(forecast: Forecast, mix: OcppMix) -> Forecast:
    """The forecast with its OCPP setting in ``config`` (``ocpp``; ``ocpp_16_stations`` for a mix)."""
    config = dict(forecast.config)
    config["ocpp"] = _spelling(mix)
    if 0.0 < mix.share_16 < 1.0:
        config["ocpp_16_stations"] = mix.counts(int(config.get("stations", 0)))["1.6"]
    return Forecast(config, forecast.series, forecast.summary, forecast.sites)


def _spelling(mix: OcppMix) -> str:
    return mix.label if mix.label != "mixed" else f"mix:{mix.share_16:g}"


__all__ = [
    "PlanOptionError",
    "add_simulate_plan_options",
    "check_plan_options",
    "forecast_and_plan",
    "needs_frames",
    "with_ocpp",
]
