"""The session model's per-site-type counts as the stations run: power into energy per minute,
plug-in to plug-out into occupied EVSE time, power flowing into charging EVSE time, and every
station's driver records (``SiteOutcome`` at the end)."""

from __future__ import annotations

from fleet.simulation._minute_integral import MinuteIntegral
from fleet.simulation._session_records import StationRecords
from fleet.simulation._site_outcome import SiteOutcome


class SiteTally:
    def __init__(self, minutes: int, horizon: float, keep_records: bool = True) -> None:
        self._minutes = minutes
        self._horizon = horizon
        self._energy: dict[str, MinuteIntegral] = {}
        self._occupied: dict[str, MinuteIntegral] = {}
        self._charging: dict[str, MinuteIntegral] = {}
        self._evses: dict[str, int] = {}
        self._stations: dict[str, int] = {}
        self._outcomes: dict[str, dict[str, int]] = {}
        self._records: list[StationRecords] | None = [] if keep_records else None
        # a charging span not yet added: contiguous power segments of one site type add up to
        # one span (1 EVSE over [a, b) plus 1 over [b, c) is 1 over [a, c)), a few per visit
        self._span: tuple[str, float, float] | None = None

    def _integral(self, integrals: dict[str, MinuteIntegral], site: str) -> MinuteIntegral:
        integral = integrals.get(site)
        if integral is None:
            integral = integrals[site] = MinuteIntegral(self._minutes)
        return integral

    def power(self, start: float, end: float, watts: float, site: str) -> None:
        """``watts`` drawn by one EVSE of a ``site`` station over [start, end)."""
        if watts <= 0.0 or end <= start:
            return
        self._integral(self._energy, site).add(start, end, watts)
        span = self._span
        if span is not None and span[0] == site and span[2] == start:
            self._span = (site, span[1], end)
            return
        self._add_span()
        self._span = (site, start, end)

    def _add_span(self) -> None:
        if self._span is not None:
            site, start, end = self._span
            self._integral(self._charging, site).add(start, end, 1.0)
            self._span = None

    def add_station(self, station: StationRecords, evses: int) -> None:
        self._add_span()
        site = station.station_type
        self._stations[site] = self._stations.get(site, 0) + 1
        self._evses[site] = self._evses.get(site, 0) + evses
        occupied = self._integral(self._occupied, site)
        outcomes = self._outcomes.setdefault(site, {})
        for visit in station.visits:
            outcomes[visit.outcome] = outcomes.get(visit.outcome, 0) + 1
            until = visit.occupied_until
            if visit.plug_in_s is not None and until is not None:
                occupied.add(visit.plug_in_s, min(until, self._horizon), 1.0)
        if self._records is not None:
            self._records.append(station)

    def energy_per_minute_mj(self) -> list[int]:
        total = [0] * self._minutes
        for integral in self._energy.values():
            for minute, value in enumerate(integral.per_minute()):
                total[minute] += value
        return total

    def outcome(self) -> SiteOutcome:
        self._add_span()

        def expanded(integrals: dict[str, MinuteIntegral]) -> dict[str, list[int]]:
            return {site: integrals[site].per_minute() for site in sorted(integrals)}

        return SiteOutcome(
            minutes=self._minutes,
            energy_mj=expanded(self._energy),
            occupied_ms=expanded(self._occupied),
            charging_ms=expanded(self._charging),
            evses=dict(self._evses),
            stations=dict(self._stations),
            outcomes={site: dict(counts) for site, counts in self._outcomes.items()},
            records=None if self._records is None else list(self._records),
        )
