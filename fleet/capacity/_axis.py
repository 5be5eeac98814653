"""What `fleet capacity` grows: more stations (``--vary stations``), or the same stations busier
(``--vary rate``: the profile's arrival rate times a multiplier, rush hour x2, x4).

The search itself runs on whole numbers, the load *level*: the stations, or the multiplier in
hundredths (x1.5 is level 150), so stepping and bisecting are the same rules for both axes. The
axis turns a level back into a job and into words."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from fleet.behaviour import with_rate_multiplier
from fleet.engine import RunJob

Vary = Literal["stations", "rate"]
_HUNDREDTHS = 100


@dataclass(frozen=True, slots=True)
class LoadAxis:
    vary: Vary = "stations"
    stations: int = 0  # --vary rate: the fleet every step runs

    def __post_init__(self) -> None:
        if self.vary == "rate" and self.stations < 1:
            raise ValueError("--vary rate steps the arrival rate of a fixed fleet: give --stations N")

    def level_of_multiplier(self, multiplier: float) -> int:
        return max(1, round(multiplier * _HUNDREDTHS))

    def stations_at(self, level: int) -> int:
        return self.stations if self.vary == "rate" else level

    def multiplier_at(self, level: int) -> float:
        return level / _HUNDREDTHS if self.vary == "rate" else 1.0

    def value_at(self, level: int) -> float:
        """What a chart's x axis and the JSON show: stations, or the multiplier."""
        return self.multiplier_at(level) if self.vary == "rate" else float(level)

    @property
    def label(self) -> str:
        return "arrival rate x" if self.vary == "rate" else "stations"

    def describe(self, level: int, what: str) -> str:
        """``1,200 workplace stations``, or ``1,000 workplace stations at x3.5 arrival rate``."""
        described = f"{self.stations_at(level):,} {what}"
        return described + (f" at x{self.multiplier_at(level):g} arrival rate" if self.vary == "rate" else "")

    def breakpoint(self, level: int) -> str:
        """Where it breaks, in the axis's own words: ``13,600`` or ``x4``."""
        return f"x{self.multiplier_at(level):g}" if self.vary == "rate" else f"{level:,}"

    def job_at(self, job: RunJob, level: int, duration_s: float) -> RunJob:
        """``job`` with this level's stations, arrival rate and ``duration_s``."""
        fleet = replace(job.fleet, stations=self.stations_at(level), duration_s=duration_s)
        multiplier = self.multiplier_at(level)
        if multiplier == 1.0:
            return replace(job, fleet=fleet)
        profile = with_rate_multiplier(job.profile, multiplier) if job.profile is not None else None
        driver = replace(job.driver, mean_idle_s=job.driver.mean_idle_s / multiplier)
        return replace(job, fleet=fleet, profile=profile, driver=driver)


STATIONS = LoadAxis()  # the default axis: more stations
