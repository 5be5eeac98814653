"""Which station a new Locust user becomes: its id (unique across workers) and its behaviour.

Locust does not say up front how many users there will be, so a profile's station mix is drawn
per station (weighted by the shares) rather than allotted exactly as ``fleet run`` does.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from fleet.behaviour import DriverSettings, Profile, ProfileStation, SimulatedStation
from fleet.locust._options import FleetOptions
from fleet.station import StationConfig, stretch_network_timers

Shell = SimulatedStation | ProfileStation

# the simple driver compressed as in `fleet run`, so a short swarm shows whole sessions
_SIMPLE_DRIVER = DriverSettings(mean_idle_s=10.0, mean_charge_s=15.0, step_s=1.0)


def station_id_for(prefix: str, number: int, worker_index: int | None) -> str:
    """``SIM-00042`` in a stand-alone run; ``SIM-w1-00042`` on worker 1 of a distributed run, so
    two workers never make the same station (the master hands out distinct worker indexes)."""
    if worker_index is None:
        return f"{prefix}{number:05d}"
    return f"{prefix}w{worker_index}-{number:05d}"


@dataclass
class StationIds:
    """Station numbers of one process: never reused, even when users stop and new ones start."""

    numbers: itertools.count[int] = field(default_factory=itertools.count)

    def next(self, prefix: str, worker_index: int | None) -> tuple[int, str]:
        """(number, id) of the next station: the number is ``{n}`` of the credential patterns."""
        number = next(self.numbers)
        return number, station_id_for(prefix, number, worker_index)


class StationBuilder:
    """Builds the behaviour-driven station a user drives, seeded from the fleet seed and its id
    (so the same id in the same run is the same station, whichever worker makes it)."""

    def __init__(self, options: FleetOptions, epoch: float) -> None:
        self._options = options
        self._profile: Profile | None = options.load_profile()
        self._epoch = epoch  # the stations' wall clock is epoch + simulated now

    def build(self, station_id: str, now: float) -> Shell:
        options = self._options
        rng = random.Random(f"{options.seed}/{station_id}")
        shell: Shell
        if self._profile is not None:
            kinds = self._profile.station_types
            kind = rng.choices(kinds, weights=[k.share for k in kinds])[0]
            shell = ProfileStation(
                station_id,
                self._profile,
                kind,
                random.Random(rng.getrandbits(64)),
                start_at=now,
                epoch=self._epoch,
                app_start=False,  # no way to make an arbitrary CSMS send RequestStartTransaction
                ocpp_version=options.station_version,
            )
        else:
            config = StationConfig(
                station_id=station_id, evse_count=options.evses, wall_clock_epoch=self._epoch
            )
            shell = SimulatedStation(
                config,
                random.Random(rng.getrandbits(64)),
                _SIMPLE_DRIVER,
                start_at=now,
                ocpp_version=options.station_version,
            )
        _stretch_network_timers(shell, options.speed)
        return shell


def _stretch_network_timers(shell: Shell, speed: float) -> None:
    # --fleet-speed: the shared rule of every shell (fleet.station.stretch_network_timers)
    stretch_network_timers(shell.station, speed)
