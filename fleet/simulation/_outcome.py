"""What one simulation run measured, in a form that shards of a fleet merge exactly."""

from __future__ import annotations

from dataclasses import dataclass

from fleet.simulation._ledger import TimedLedger, peak_of
from fleet.simulation._site_outcome import SiteOutcome
from fleet.simulation._station_stats import StationStats


@dataclass(slots=True)
class SimulationOutcome:
    """Per-minute series are sampled at the end of each minute; ``connected_changes`` are
    (time, +1 / -1) so the merged peak is the peak of the sum, not the sum of the peaks."""

    ledger: TimedLedger
    stats: StationStats
    connected_series: list[int]
    open_transactions_series: list[int]
    energy_series_mwh: list[int]
    connected_changes: list[tuple[float, int]]
    csms_outcomes: dict[str, int]
    station_protocol_errors: int
    sites: SiteOutcome | None = None  # per site type, the session model only

    def merge_sites(self, other: SimulationOutcome) -> None:
        if self.sites is not None and other.sites is not None:
            self.sites.merge(other.sites)

    @property
    def connected_peak(self) -> int:
        return peak_of(self.connected_changes)

    def merge(self, other: SimulationOutcome) -> None:
        """Add the outcome of another shard (other stations, same config) into this one."""
        self.ledger.merge(other.ledger)
        self.stats.merge(other.stats)
        for mine, theirs in (
            (self.connected_series, other.connected_series),
            (self.open_transactions_series, other.open_transactions_series),
            (self.energy_series_mwh, other.energy_series_mwh),
        ):
            for index, value in enumerate(theirs):
                mine[index] += value
        self.connected_changes += other.connected_changes
        for key, count in other.csms_outcomes.items():
            self.csms_outcomes[key] = self.csms_outcomes.get(key, 0) + count
        self.station_protocol_errors += other.station_protocol_errors
        self.merge_sites(other)
