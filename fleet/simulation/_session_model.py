"""The session model of `fleet simulate` (the default with a profile): the same stations, drivers,
EVs, batteries and faults as the frames model, from the same random streams, but no station
core, no frames and no event heap. Each station is simulated on its own, visit by visit, and
its messages are counted where the CSMS would receive them (see ``_session_station``).

Why two models: the frames model builds and checks every OCPP frame (~130 µs of CPU per
message), so a day of 10,000 workplace stations (11.4 million messages) takes half an hour; the
session model does the work per visit, not per message, and forecasts the same day in seconds.
What it gives up: per-message latency (it does not time round trips) and the station core's
rarer paths (CSMS-initiated operations, smart charging, reservations). How close the two are is
measured by a test on every bundled profile.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from fleet.behaviour import (
    mean,
    profile_fleet_plan,
    station_config,
)
from fleet.simulation._config import DEFAULT_EPOCH, SimulationConfig
from fleet.simulation._fleets import SamplingOverride, load_simulated_profile, profile_epoch, station_id_for
from fleet.simulation._outcome import SimulationOutcome
from fleet.simulation._session_delivery import FleetSetting
from fleet.simulation._session_station import SessionStation
from fleet.simulation._session_tally import SessionTally
from fleet.simulation._site_caps import SiteCaps

ProgressHook = Callable[[float], None]
_PROGRESS_EVERY = 256  # stations between two progress callbacks


def aligned_ticks(epoch: float, interval: int, horizon: float) -> list[float]:
    """The times in (0, horizon) whose wall clock (``epoch + t``) is a multiple of ``interval``."""
    if interval <= 0:
        return []
    first = math.ceil(epoch / interval) * interval - epoch
    if first <= 0.0:
        first += interval
    ticks = []
    at = first
    while at < horizon:
        ticks.append(at)
        at += interval
    return ticks


def one_way_latency_s(config: SimulationConfig) -> float:
    """The model's one-way delay: the configured one, or its distribution's mean."""
    latency = config.latency
    return float(latency) if isinstance(latency, float | int) else max(0.0, mean(latency))


def run_session_model(
    config: SimulationConfig,
    profile_name: str,
    count: int,
    seed: int,
    *,
    id_prefix: str = "SIM-",
    indices: range | None = None,
    on_progress: ProgressHook | None = None,
    sampling: SamplingOverride | None = None,
    start_utc: float = DEFAULT_EPOCH,
    site_caps: SiteCaps | None = None,
    keep_records: bool = True,
) -> SimulationOutcome:
    """Simulate stations ``indices`` (default all) of a ``count``-station fleet of the profile.
    ``on_progress`` gets the share of stations done (0..1). Raises fleet.behaviour.ProfileError
    for a bad profile."""
    profile = load_simulated_profile(profile_name, sampling, site_caps)
    epoch = profile_epoch(profile, start_utc)
    types, seeds = profile_fleet_plan(profile, count, seed)
    horizon = config.duration_s
    one_way = one_way_latency_s(config)
    ticks = aligned_ticks(epoch, profile.ocpp.aligned_data_interval_s, horizon)
    seconds = math.ceil(horizon)
    tally = SessionTally(seconds, [int(tick + one_way) for tick in ticks], keep_records)
    fleet = FleetSetting(
        profile=profile,
        epoch=epoch,
        horizon=horizon,
        one_way_s=one_way,
        response_delay_s=config.csms.response_delay_s,
        heartbeat_s=float(config.csms.heartbeat_interval),
        aligned_ticks=ticks,
    )
    spread = config.ramp_s / count if count else 0.0
    phases = {kind.name: station_config("PHASES", kind, epoch).phases for kind in profile.station_types}
    caps = site_caps or SiteCaps()
    shared_caps = {kind.name: caps.shared_w(kind) for kind in profile.station_types}
    chosen = range(count) if indices is None else indices
    for done, index in enumerate(chosen, start=1):
        kind = types[index]
        station = SessionStation(
            station_id_for(index, id_prefix),
            kind,
            seeds[index],
            index * spread,
            phases[kind.name],
            fleet,
            shared_caps[kind.name],
        )
        station.run(tally)
        if on_progress is not None and done % _PROGRESS_EVERY == 0:
            on_progress(done / len(chosen))
    return tally.to_outcome()
