"""`fleet simulate --site-cap`: a power cap per station, and how its EVSEs share it.

The sharing rule is a static equal share: each EVSE of a capped station may draw at most
cap / (its station's EVSEs), whether or not the other EVSEs charge (a fixed allocation, the
simplest load management a site installs; a dynamic share among the charging EVSEs would give a
lone car more). The cap lowers the EVSE's limit in the profile's station type, so both models,
the batteries' curves and the cable limits apply it the same way: a car gets less power, so it
takes more of its dwell to reach its target, or leaves with less energy.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from fleet.behaviour import Profile, StationType


class SiteCapError(ValueError):
    """A cap that does not fit the profile (an unknown station type); the message says which."""


@dataclass(frozen=True, slots=True)
class SiteCaps:
    """kW per station: ``every_kw`` for every station type, ``by_type`` for named ones (wins)."""

    every_kw: float | None = None
    by_type: tuple[tuple[str, float], ...] = ()

    def cap_kw(self, station_type: str) -> float | None:
        named = dict(self.by_type)
        return named.get(station_type, self.every_kw)

    def apply(self, profile: Profile) -> Profile:
        """The profile with each capped station type's per-EVSE limit at its equal share. Raises
        SiteCapError for a station type the profile does not have."""
        names = [kind.name for kind in profile.station_types]
        for name, _ in self.by_type:
            if name not in names:
                raise SiteCapError(
                    f"--site-cap: profile {profile.name!r} has no station type {name!r} "
                    f"(its types: {', '.join(repr(known) for known in names)})"
                )
        kinds = [self._capped(kind) for kind in profile.station_types]
        return msgspec.structs.replace(profile, station_types=kinds)

    def _capped(self, kind: StationType) -> StationType:
        cap = self.cap_kw(kind.name)
        if cap is None:
            return kind
        share = cap / kind.evses
        return msgspec.structs.replace(kind, max_power_kw=min(kind.max_power_kw, share))
