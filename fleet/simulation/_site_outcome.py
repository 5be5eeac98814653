"""What the session model measured per site type (a profile's station type): energy, occupied and
charging EVSE time per minute, each driver's record and how their visit ended; shards merge
exactly (integers add, records concatenate in station order)."""

from __future__ import annotations

from dataclasses import dataclass

from fleet.simulation._session_records import StationRecords


@dataclass(slots=True)
class SiteOutcome:
    """Per site type and minute: ``energy_mj`` (mJ), ``occupied_ms`` and ``charging_ms``
    (EVSE-milliseconds: a driver plugged in, and power flowing). ``outcomes`` counts drivers by
    how their visit ended; ``records`` are every driver's, station by station (None when the run
    kept none: ``keep_records`` False)."""

    minutes: int
    energy_mj: dict[str, list[int]]
    occupied_ms: dict[str, list[int]]
    charging_ms: dict[str, list[int]]
    evses: dict[str, int]
    stations: dict[str, int]
    outcomes: dict[str, dict[str, int]]
    records: list[StationRecords] | None

    @property
    def sites(self) -> list[str]:
        return sorted(self.stations)

    def merge(self, other: SiteOutcome) -> None:
        for mine, theirs in (
            (self.energy_mj, other.energy_mj),
            (self.occupied_ms, other.occupied_ms),
            (self.charging_ms, other.charging_ms),
        ):
            for site, series in theirs.items():
                into = mine.setdefault(site, [0] * self.minutes)
                for minute, value in enumerate(series):
                    into[minute] += value
        for counts, more in ((self.evses, other.evses), (self.stations, other.stations)):
            for site, count in more.items():
                counts[site] = counts.get(site, 0) + count
        for site, by_outcome in other.outcomes.items():
            into_outcomes = self.outcomes.setdefault(site, {})
            for outcome, count in by_outcome.items():
                into_outcomes[outcome] = into_outcomes.get(outcome, 0) + count
        if self.records is None or other.records is None:
            self.records = None
        else:
            self.records += other.records
