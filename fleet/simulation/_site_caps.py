"""`fleet simulate --site-cap`: a power cap per station, and how its EVSEs share it.

Two sharing rules (``--site-cap-sharing``):

- ``static``: a fixed equal share: each EVSE of a capped station may draw at most
  cap / (its station's EVSEs), whether or not the other EVSEs charge (the simplest load
  management a site installs). The cap lowers the EVSE's limit in the profile's station type, so
  both models, the batteries' curves and the cable limits apply it the same way.
- ``dynamic``: the EVSEs that are charging share the cap (a lone car gets the whole cap, up to
  its own limits), re-split whenever one starts or stops, a fault pauses one, an EV reaches its
  target, and every few minutes while the cap binds (a tapering EV's unused share goes to
  the others); the split is water-filling (no EVSE gets more than it draws, the rest is shared
  equally). Each EVSE's limit is lowered to the cap here; the sharing itself couples the EVSEs
  of one station in the session model (``_shared_charging``). The frames model has no such
  coupling: it runs ``static`` only.

Either way a car gets less power, so it takes more of its dwell to reach its target: an AC driver
leaves at the same time with less energy, a DC driver who waits for the target SoC stays longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import msgspec

from fleet.behaviour import Profile, StationType

Sharing = Literal["static", "dynamic"]
SHARING_RULES: tuple[Sharing, ...] = ("static", "dynamic")


class SiteCapError(ValueError):
    """A cap that does not fit the profile (an unknown station type); the message says which."""


@dataclass(frozen=True, slots=True)
class SiteCaps:
    """kW per station: ``every_kw`` for every station type, ``by_type`` for named ones (wins),
    shared by its EVSEs by ``sharing``."""

    every_kw: float | None = None
    by_type: tuple[tuple[str, float], ...] = ()
    sharing: Sharing = "static"

    def cap_kw(self, station_type: str) -> float | None:
        named = dict(self.by_type)
        return named.get(station_type, self.every_kw)

    def apply(self, profile: Profile) -> Profile:
        """The profile with each capped station type's per-EVSE limit at its equal share (static)
        or at most the cap (dynamic). Raises SiteCapError for a station type the profile does not
        have."""
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
        share = cap / kind.evses if self.sharing == "static" else cap
        return msgspec.structs.replace(kind, max_power_kw=min(kind.max_power_kw, share))

    def shared_w(self, station_type: StationType) -> float | None:
        """The cap in W the charging EVSEs of a ``station_type`` station share at run time: only
        with dynamic sharing and more than one EVSE (one EVSE's limit is already the cap)."""
        cap = self.cap_kw(station_type.name)
        if cap is None or self.sharing != "dynamic" or station_type.evses < 2:
            return None
        return cap * 1000.0
