"""One station's random streams, drawn in one fixed order.

Both models of a profile station draw them here — the live ``ProfileStation`` and the session
model of ``fleet simulate`` — so the same seed gives the same visits, faults and outages in both,
and the two can be compared visit for visit. New components draw last: adding one never changes
the streams of the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fleet.station import LazyRandom


@dataclass(frozen=True, slots=True)
class StationStreams:
    core_seed: int  # the station core's LazyRandom (ids, nonces)
    drivers: list[random.Random]  # one per EVSE, in EVSE order
    outages: random.Random  # the station's connectivity outages
    connector_faults: list[random.Random]  # one per EVSE, in EVSE order
    # off in most profiles: lazy, so a station that never draws from them holds no 2.5 KB state
    lock_failures: list[LazyRandom]  # one per EVSE, in EVSE order
    data_transfers: LazyRandom  # the station's own DataTransfer CALLs


def draw_station_streams(rng: random.Random, evse_count: int) -> StationStreams:
    """The streams of a station with ``evse_count`` EVSEs, from its seed stream ``rng``."""
    core_seed = rng.getrandbits(64)
    drivers = [random.Random(rng.getrandbits(64)) for _ in range(evse_count)]
    outages = random.Random(rng.getrandbits(64))
    connector_faults = [random.Random(rng.getrandbits(64)) for _ in range(evse_count)]
    lock_failures = [LazyRandom(rng.getrandbits(64)) for _ in range(evse_count)]
    data_transfers = LazyRandom(rng.getrandbits(64))
    return StationStreams(core_seed, drivers, outages, connector_faults, lock_failures, data_transfers)
