"""How a virtual-time simulation is set up: horizon, seed, ramp, modeled latency, the CSMS model."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from fleet.behaviour import Distribution, draw
from fleet.csms import CsmsConfig

# Monday 2026-01-05 00:00 UTC: a forecast of "a day" should be a working day unless asked otherwise
DEFAULT_EPOCH = 1_767_571_200.0
DEFAULT_LATENCY_S = 0.020

# a one-way delay: fixed seconds, or a distribution of seconds (see fleet.behaviour's profile schema)
Latency = float | Distribution
# "frames": every OCPP frame through the station core and the CSMS model (fleet.simulation._loop);
# "sessions": visits counted into messages without frames (fleet.simulation._session_model)
Model = Literal["frames", "sessions"]
MODELS: tuple[Model, ...] = ("sessions", "frames")


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """One simulated run.

    ``latency`` is the modeled one-way delay of network plus CSMS processing, applied to every
    burst of frames in each direction (a CALL's round trip is therefore about twice it; the
    default 20 ms gives stations a measured latency of ~40 ms). ``csms.response_delay_s`` is
    added on the way back, as the embedded server does. Stations connect spread evenly over
    ``ramp_s`` seconds from t=0 (0: all at t=0). ``epoch`` is the UTC wall clock at t=0, the
    same for the stations and the CSMS.
    """

    hours: float
    seed: int = 1
    latency: Latency = DEFAULT_LATENCY_S
    ramp_s: float = 60.0
    epoch: float = DEFAULT_EPOCH
    csms: CsmsConfig = field(default_factory=CsmsConfig)
    profile_name: str = "simple"  # echoed in the forecast and the plot title
    reboot_delay_s: float = 1.0  # how long a station takes to come back after a Reset
    model: Model = "frames"

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not (math.isfinite(self.hours) and self.hours > 0):
            problems.append(f"hours must be a finite number > 0, got {self.hours!r}")
        if not (math.isfinite(self.ramp_s) and self.ramp_s >= 0):
            problems.append(f"ramp_s must be a finite number >= 0, got {self.ramp_s!r}")
        if isinstance(self.latency, float | int) and not (math.isfinite(self.latency) and self.latency >= 0):
            problems.append(f"latency must be seconds >= 0, got {self.latency!r}")
        if problems:
            raise ValueError("SimulationConfig: " + "; ".join(problems))

    @property
    def duration_s(self) -> float:
        return self.hours * 3600.0


def latency_sampler(latency: Latency, rng: random.Random) -> Callable[[], float]:
    """A zero-argument function giving one one-way delay in seconds (never negative).

    A fixed delay draws nothing from ``rng``, so switching between fixed values does not
    change any other random stream of the run.
    """
    if isinstance(latency, float | int):
        fixed = float(latency)
        return lambda: fixed
    distribution = latency
    return lambda: max(0.0, draw(distribution, rng))
