"""Which station types make up a fleet, and the StationConfig each type gives a station."""

from __future__ import annotations

import hashlib
import math
import random

from fleet.behaviour._profile_schema import Profile, StationType
from fleet.station import StationConfig

_SERIAL_MAX = 25  # OCPP 2.0.1 BootNotification chargingStation.serialNumber


def station_types_for(profile: Profile, count: int, rng: random.Random) -> list[StationType]:
    """``count`` station types in the profile's shares, exactly (largest-remainder allocation, so a
    0.8/0.2 mix of 1000 stations is 800/200, not 800 +- 13), in an order shuffled by ``rng``."""
    if count < 0:
        raise ValueError(f"station_types_for: count must be >= 0, got {count}")
    types = profile.station_types
    total = sum(kind.share for kind in types)
    if total <= 0:
        raise ValueError(
            f"profile {profile.name!r}: every station_types[].share is 0; give at least one a share > 0"
        )
    quotas = [count * kind.share / total for kind in types]
    counts = [math.floor(quota) for quota in quotas]
    # the seats left go to the largest remainders; ties to the type listed first
    by_remainder = sorted(range(len(types)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    mix = [kind for kind, n in zip(types, counts, strict=True) for _ in range(n)]
    rng.shuffle(mix)
    return mix


def serial_number_for(station_id: str) -> str:
    """A stable serial number derived from the station id (hashed when the id is too long)."""
    serial = f"SN-{station_id}"
    if len(serial) <= _SERIAL_MAX:
        return serial
    return "SN-" + hashlib.blake2b(station_id.encode(), digest_size=8).hexdigest().upper()


def station_config(station_id: str, station_type: StationType, epoch: float) -> StationConfig:
    """The station core's configuration for one station of ``station_type``; vendor, model and
    firmware go into its BootNotification, the wall clock is ``epoch + now``."""
    try:
        return StationConfig(
            station_id=station_id,
            evse_count=station_type.evses,
            vendor_name=station_type.vendor,
            model=station_type.model,
            serial_number=serial_number_for(station_id),
            firmware_version=station_type.firmware,
            max_power_w=station_type.max_power_kw * 1000.0,
            # DC chargers draw from all three grid phases
            phases=station_type.phases if station_type.current == "AC" else 3,
            current=station_type.current,
            wall_clock_epoch=epoch,
        )
    except ValueError as exc:
        raise ValueError(f"station type {station_type.name!r}: {exc}; fix it in the profile") from None
