"""The smart-charging limit on each EVSE of an OCPP 2.0.1 station: the limit the installed profiles
(``_smart_charging``) put in force now, with the station maximum shared by the EVSEs
(``_station_share``), and a timer for when it may change."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fleet.station._context import StationContext
from fleet.station._evse import Evse
from fleet.station._smart_charging import SmartCharging
from fleet.station._station_share import SharedLimits

# how far ahead the next change of a charging schedule is looked for (a timer is armed for it)
_SCHEDULE_HORIZON_S = 7 * 86_400.0


class EvseLimits(SharedLimits[Evse]):
    __slots__ = ("_smart",)

    def __init__(
        self,
        ctx: StationContext,
        evses: Mapping[int, Evse],
        smart: SmartCharging,
        changed: Callable[[Evse, float], None],
    ) -> None:
        super().__init__(evses, ctx.timers, changed)
        self._smart = smart

    def apply(self, evse: Evse, now: float) -> None:
        smart = self._smart
        if not smart.installed and evse.limit_w is None:
            return  # the common case: no profile was ever in force here
        tx_started = evse.tx.started_at if evse.tx is not None else None

        def own_limit(evse_id: int, point: Evse) -> float | None:
            return smart.point_limit_w(evse_id, point.tx.started_at if point.tx is not None else None, now)

        self._set_limits(evse, evse.evse_id, own_limit, smart.station_limit_w(now), now)
        self._follow(evse, evse.evse_id, smart.next_change_s(tx_started, now, _SCHEDULE_HORIZON_S), now)
