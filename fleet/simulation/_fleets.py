"""Station sets to simulate: the simple built-in driver, or stations driven by a behaviour profile."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from fleet.behaviour import (
    DriverSettings,
    Profile,
    SimulatedStation,
    build_profile_fleet,
    load_profile,
    resolve_profile,
)
from fleet.simulation._config import DEFAULT_EPOCH
from fleet.simulation._site_caps import SiteCaps
from fleet.station import ShellStation, StationConfig


def station_id_for(index: int, prefix: str = "SIM-") -> str:
    return f"{prefix}{index:05d}"


def simple_fleet(
    count: int,
    *,
    seed: int,
    epoch: float = DEFAULT_EPOCH,
    evses: int = 2,
    driver: DriverSettings | None = None,
    id_prefix: str = "SIM-",
    indices: range | None = None,
) -> list[SimulatedStation]:
    """``count`` SimulatedStations (one SimpleDriver per EVSE), each on its own random stream.
    ``indices``: build only those stations of the fleet (a shard), each the same as in the whole."""
    master = random.Random(seed)
    seeds = [master.getrandbits(64) for _ in range(count)]
    return [
        SimulatedStation(
            StationConfig(
                station_id=station_id_for(index, id_prefix), evse_count=evses, wall_clock_epoch=epoch
            ),
            random.Random(seeds[index]),
            driver,
        )
        for index in (range(count) if indices is None else indices)
    ]


def profile_epoch(profile: Profile, start_utc: float = DEFAULT_EPOCH) -> float:
    """The UTC time at which the simulated day starts at local midnight of the profile's site."""
    return start_utc - profile.utc_offset_h * 3600.0


def profile_fleet(
    profile: Profile,
    count: int,
    *,
    seed: int,
    epoch: float,
    id_prefix: str = "SIM-",
    app_start: bool = True,
    indices: range | None = None,
) -> Sequence[ShellStation]:
    """``count`` ProfileStations of ``profile`` (station mix, drivers, EVs, faults from the profile).

    The simulation's CSMS model sends RequestStartTransaction for app starts, so ``app_start``
    defaults to True here.
    """
    return build_profile_fleet(
        profile, count, lambda index: station_id_for(index, id_prefix), seed, 0.0, epoch, app_start, indices
    )


@dataclass(frozen=True, slots=True)
class SamplingOverride:
    """What-if meter-value intervals replacing a profile's ``[ocpp]`` values (None: keep)."""

    tx_updated_interval_s: int | None = None
    aligned_data_interval_s: int | None = None

    def apply(self, profile: Profile) -> Profile:
        changes = {
            name: value
            for name, value in (
                ("tx_updated_interval_s", self.tx_updated_interval_s),
                ("aligned_data_interval_s", self.aligned_data_interval_s),
            )
            if value is not None
        }
        if not changes:
            return profile
        return msgspec.structs.replace(profile, ocpp=msgspec.structs.replace(profile.ocpp, **changes))


def load_simulated_profile(
    name_or_path: str, sampling: SamplingOverride | None = None, site_caps: SiteCaps | None = None
) -> Profile:
    """A bundled profile or a profile file, with the what-if sampling intervals and site power
    caps applied. Raises fleet.behaviour.ProfileError for a bad or missing profile, SiteCapError
    for a cap naming a station type the profile lacks."""
    profile = load_profile(resolve_profile(name_or_path))
    profile = site_caps.apply(profile) if site_caps is not None else profile
    return sampling.apply(profile) if sampling is not None else profile


def load_profile_fleet(
    name_or_path: str,
    count: int,
    *,
    seed: int,
    id_prefix: str = "SIM-",
    start_utc: float = DEFAULT_EPOCH,
    indices: range | None = None,
    sampling: SamplingOverride | None = None,
    site_caps: SiteCaps | None = None,
) -> tuple[Profile, float, Sequence[ShellStation]]:
    """(profile, epoch, stations) for a bundled profile name or a profile file: the simulated
    day starts at 00:00 site local time on ``start_utc``'s UTC date. Raises fleet.behaviour.ProfileError
    for a bad or missing profile."""
    profile = load_simulated_profile(name_or_path, sampling, site_caps)
    epoch = profile_epoch(profile, start_utc)
    stations = profile_fleet(profile, count, seed=seed, epoch=epoch, id_prefix=id_prefix, indices=indices)
    return profile, epoch, stations
