"""Station sets to simulate: the simple built-in driver, or stations driven by a behaviour profile."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from fleet.behaviour import (
    DriverSettings,
    Profile,
    ProfileStation,
    SimulatedStation,
    load_profile,
    profile_fleet_plan,
    resolve_profile,
)
from fleet.simulation._config import DEFAULT_EPOCH
from fleet.simulation._site_caps import SiteCaps
from fleet.station import OcppVersion, ShellStation, StationConfig


def station_id_for(index: int, prefix: str = "SIM-") -> str:
    return f"{prefix}{index:05d}"


def ocpp_version_for(index: int, share_16: float) -> OcppVersion:
    """The OCPP version of station ``index`` when ``share_16`` of the fleet speaks 1.6: the rule
    of `fleet run --ocpp mix:SHARE` (station ``i`` is 1.6 when ``floor((i + 1) x share)`` steps
    up at ``i``), so a forecast and a run of the same fleet give each station the same version."""
    steps_up = math.floor((index + 1) * share_16) > math.floor(index * share_16)
    return "1.6" if steps_up else "2.0.1"


def simple_fleet(
    count: int,
    *,
    seed: int,
    epoch: float = DEFAULT_EPOCH,
    evses: int = 2,
    driver: DriverSettings | None = None,
    id_prefix: str = "SIM-",
    indices: range | None = None,
    ocpp_16_share: float = 0.0,
) -> list[SimulatedStation]:
    """``count`` SimulatedStations (one SimpleDriver per EVSE), each on its own random stream.
    ``indices``: build only those stations of the fleet (a shard), each the same as in the whole.
    ``ocpp_16_share``: the share of stations speaking OCPP 1.6 (``ocpp_version_for``)."""
    master = random.Random(seed)
    seeds = [master.getrandbits(64) for _ in range(count)]
    return [
        SimulatedStation(
            StationConfig(
                station_id=station_id_for(index, id_prefix), evse_count=evses, wall_clock_epoch=epoch
            ),
            random.Random(seeds[index]),
            driver,
            ocpp_version=ocpp_version_for(index, ocpp_16_share),
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
    ocpp_16_share: float = 0.0,
) -> list[ProfileStation]:
    """``count`` ProfileStations of ``profile`` (station mix, drivers, EVs, faults from the profile),
    the stations ``fleet.behaviour.build_profile_fleet`` builds, ``ocpp_16_share`` of them
    speaking OCPP 1.6 (``ocpp_version_for``).

    The simulation's CSMS model sends RequestStartTransaction (RemoteStartTransaction to a 1.6
    station) for app starts, so ``app_start`` defaults to True here.
    """
    types, seeds = profile_fleet_plan(profile, count, seed)
    return [
        ProfileStation(
            station_id_for(index, id_prefix),
            profile,
            types[index],
            random.Random(seeds[index]),
            start_at=0.0,
            epoch=epoch,
            app_start=app_start,
            ocpp_version=ocpp_version_for(index, ocpp_16_share),
        )
        for index in (range(count) if indices is None else indices)
    ]


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
    ocpp_16_share: float = 0.0,
    site_caps: SiteCaps | None = None,
) -> tuple[Profile, float, Sequence[ShellStation]]:
    """(profile, epoch, stations) for a bundled profile name or a profile file: the simulated
    day starts at 00:00 site local time on ``start_utc``'s UTC date. Raises fleet.behaviour.ProfileError
    for a bad or missing profile."""
    profile = load_simulated_profile(name_or_path, sampling, site_caps)
    epoch = profile_epoch(profile, start_utc)
    stations = profile_fleet(
        profile,
        count,
        seed=seed,
        epoch=epoch,
        id_prefix=id_prefix,
        indices=indices,
        ocpp_16_share=ocpp_16_share,
    )
    return profile, epoch, stations
