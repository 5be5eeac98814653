"""Which OCPP version each station of a fleet speaks: all 1.6, all 2.0.1, or a mix.

``--ocpp mix:0.7`` makes 70 % of the stations 1.6. Station ``i`` is 1.6 when ``floor((i + 1) x
share)`` steps up at ``i``: exact shares at every fleet size, the same station the same version in
every run, and the versions spread evenly over the ramp-up rather than in two blocks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from fleet.station import OCPP_VERSIONS, OcppVersion

_MIX_PREFIX = "mix:"


@dataclass(frozen=True, slots=True)
class OcppMix:
    share_16: float = 0.0  # the share of stations speaking 1.6; the rest speak 2.0.1

    def __post_init__(self) -> None:
        if not 0.0 <= self.share_16 <= 1.0:
            raise ValueError(f"OcppMix: the 1.6 share must be within 0..1, got {self.share_16}")

    @classmethod
    def parse(cls, text: str) -> OcppMix:
        """ "1.6", "2.0.1" or "mix:<share of 1.6 stations, 0..1>"."""
        if text == "1.6":
            return cls(1.0)
        if text == "2.0.1":
            return cls(0.0)
        if text.startswith(_MIX_PREFIX):
            try:
                share = float(text[len(_MIX_PREFIX) :])
            except ValueError:
                share = math.nan
            if 0.0 <= share <= 1.0:
                return cls(share)
        raise ValueError(
            f"--ocpp {text!r}: use one of {', '.join(OCPP_VERSIONS)} or mix:<share of 1.6 stations "
            "between 0 and 1>, e.g. mix:0.7"
        )

    def version_for(self, index: int) -> OcppVersion:
        steps_up = math.floor((index + 1) * self.share_16) > math.floor(index * self.share_16)
        return "1.6" if steps_up else "2.0.1"

    def counts(self, stations: int) -> dict[str, int]:
        sixteen = math.floor(stations * self.share_16)
        return {"1.6": sixteen, "2.0.1": stations - sixteen}

    def counts_of(self, indices: Iterable[int]) -> dict[str, int]:
        """Stations per version among ``indices`` (one shard's slice); ``counts`` for them all."""
        sixteen = total = 0
        for index in indices:
            total += 1
            sixteen += self.version_for(index) == "1.6"
        return {"1.6": sixteen, "2.0.1": total - sixteen}

    @property
    def label(self) -> str:
        """What a run's summary calls it: one version, or "mixed"."""
        if self.share_16 >= 1.0:
            return "1.6"
        if self.share_16 <= 0.0:
            return "2.0.1"
        return "mixed"
