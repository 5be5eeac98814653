"""Random streams that cost nothing until they are drawn from.

A ``random.Random`` carries a Mersenne Twister state of 2.5 KB. Every simulated station holds a
few independent streams (its core's, its runner's reconnect jitter), and in an idle fleet most are
never drawn from: the core draws only for transaction ids, the runner only when a connection is
lost. ``LazyRandom(seed)`` builds ``random.Random(seed)`` at the first draw, so the numbers are
exactly those of ``random.Random(seed)``, and 10,000 idle stations save ~50 MB.
"""

from __future__ import annotations

import random
from typing import Protocol


class RandomBits(Protocol):
    """What the station core draws: bits for its transaction ids."""

    def getrandbits(self, k: int, /) -> int: ...


class LazyRandom:
    __slots__ = ("_random", "_seed")

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._random: random.Random | None = None

    def _stream(self) -> random.Random:
        if self._random is None:
            self._random = random.Random(self._seed)
        return self._random

    def getrandbits(self, k: int, /) -> int:
        return self._stream().getrandbits(k)

    def random(self) -> float:
        return self._stream().random()

    def expovariate(self, lambd: float = 1.0) -> float:
        return self._stream().expovariate(lambd)
