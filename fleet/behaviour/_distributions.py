"""Draw from the profile's distributions with an injected, seeded random generator."""

from __future__ import annotations

import math
import random

from fleet.behaviour._profile_schema import Distribution, Exponential, Fixed, LogNormal, Normal, Uniform


def draw(distribution: Distribution, rng: random.Random) -> float:
    """One value, clipped to the distribution's ``min``/``max`` when given."""
    if isinstance(distribution, Fixed):
        value = distribution.value
    elif isinstance(distribution, Uniform):
        value = rng.uniform(distribution.low, distribution.high)
    elif isinstance(distribution, Normal):
        value = rng.gauss(distribution.mean, distribution.sd)
    elif isinstance(distribution, LogNormal):
        value = rng.lognormvariate(math.log(distribution.median), distribution.sigma)
    elif isinstance(distribution, Exponential):
        value = rng.expovariate(1.0 / distribution.mean)
    else:  # pragma: no cover - the union is closed
        raise TypeError(f"unknown distribution {distribution!r}")
    if distribution.min is not None and value < distribution.min:
        value = distribution.min
    if distribution.max is not None and value > distribution.max:
        value = distribution.max
    return value


def mean(distribution: Distribution) -> float:
    """The unclipped mean, for documentation and sanity checks of profiles."""
    if isinstance(distribution, Fixed):
        return distribution.value
    if isinstance(distribution, Uniform):
        return (distribution.low + distribution.high) / 2
    if isinstance(distribution, Normal):
        return distribution.mean
    if isinstance(distribution, LogNormal):
        return distribution.median * math.exp(distribution.sigma**2 / 2)
    return distribution.mean
