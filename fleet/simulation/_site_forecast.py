"""The planner's part of a session-model forecast: the kW load curve per site type with its peak,
EVSE occupancy and idle time (plugged in, not charging), and the drivers by how their visit ended
(turned away included). Every per-minute value is a mean over that minute."""

from __future__ import annotations

from typing import Any

from fleet.simulation._session_records import TURNED_AWAY
from fleet.simulation._site_outcome import SiteOutcome

_MJ_PER_KWH = 3_600_000_000
_MS_PER_MINUTE = 60_000


def site_series(sites: SiteOutcome) -> dict[str, Any]:
    """Per minute and site type: ``load_kw`` (mean power), ``occupied_evses`` and
    ``charging_evses`` (mean EVSEs with a driver plugged in, and with power flowing)."""
    return {
        "load_kw": _by_site(sites.energy_mj, _kw),
        "occupied_evses": _by_site(sites.occupied_ms, _evses),
        "charging_evses": _by_site(sites.charging_ms, _evses),
    }


def site_summary(sites: SiteOutcome) -> dict[str, Any]:
    """The whole fleet's figures (``all``) and each site type's."""
    blocks = {
        site: _block(
            sites.energy_mj.get(site, []),
            sites.occupied_ms.get(site, []),
            sites.charging_ms.get(site, []),
            sites.outcomes.get(site, {}),
            sites.evses[site],
        )
        for site in sites.sites
    }
    every = _block(
        _summed(sites.energy_mj, sites.minutes),
        _summed(sites.occupied_ms, sites.minutes),
        _summed(sites.charging_ms, sites.minutes),
        _summed_counts(sites.outcomes),
        sum(sites.evses.values()),
    )
    return {"all": every, "by_site_type": blocks}


def _kw(mj: int) -> float:
    return round(mj / 60_000_000.0, 3)  # mJ in a minute -> mean kW


def _evses(ms: int) -> float:
    return round(ms / _MS_PER_MINUTE, 3)  # EVSE-ms in a minute -> mean EVSEs


def _by_site(series: dict[str, list[int]], unit: Any) -> dict[str, list[float]]:
    return {site: [unit(value) for value in values] for site, values in sorted(series.items())}


def _summed(series: dict[str, list[int]], minutes: int) -> list[int]:
    total = [0] * minutes
    for values in series.values():
        for minute, value in enumerate(values):
            total[minute] += value
    return total


def _summed_counts(outcomes: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in outcomes.values():
        for outcome, count in counts.items():
            total[outcome] = total.get(outcome, 0) + count
    return total


def _peak(values: list[int]) -> tuple[int, int]:
    """(peak value, the second its minute starts)."""
    if not values:
        return 0, 0
    peak = max(values)
    return peak, values.index(peak) * 60


def _block(
    energy_mj: list[int], occupied_ms: list[int], charging_ms: list[int], outcomes: dict[str, int], evses: int
) -> dict[str, Any]:
    peak_mj, peak_at = _peak(energy_mj)
    occupied_peak, occupied_at = _peak(occupied_ms)
    occupied_h = sum(occupied_ms) / 3_600_000.0
    charging_h = sum(charging_ms) / 3_600_000.0
    idle_h = max(0.0, occupied_h - charging_h)
    arrivals = sum(outcomes.values())
    return {
        "evses": evses,
        "energy_kwh": round(sum(energy_mj) / _MJ_PER_KWH, 3),
        "load_kw": {"peak": _kw(peak_mj), "peak_at_s": peak_at},
        "occupancy": {
            "peak_occupied_evses": _evses(occupied_peak),
            "peak_at_s": occupied_at,
            "occupied_evse_hours": round(occupied_h, 3),
            "charging_evse_hours": round(charging_h, 3),
            "idle_evse_hours": round(idle_h, 3),
            "idle_share": round(idle_h / occupied_h, 4) if occupied_h else 0.0,
        },
        "drivers": {
            "arrivals": arrivals,
            "charged": outcomes.get("charged", 0),
            "turned_away": sum(count for outcome, count in outcomes.items() if outcome in TURNED_AWAY),
            "by_outcome": dict(sorted(outcomes.items())),
        },
    }
