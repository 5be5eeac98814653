"""The smart-charging limit on each connector of an OCPP 1.6 station: the limit the installed
profiles (``_smart_charging``) put in force now, with the charge point maximum shared by the
connectors (``_station_share``), and a timer for when it may change."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fleet.station._station_share import SharedLimits
from fleet.station.ocpp16._connector import Connector
from fleet.station.ocpp16._context import Context16
from fleet.station.ocpp16._smart_charging import ChargingProfiles

_SCHEDULE_HORIZON_S = 86_400  # how far ahead the next change of a profile is looked for


class ConnectorLimits(SharedLimits[Connector]):
    __slots__ = ("_ctx", "profiles")

    def __init__(
        self,
        ctx: Context16,
        connectors: Mapping[int, Connector],
        profiles: ChargingProfiles,
        changed: Callable[[Connector, float], None],
    ) -> None:
        super().__init__(connectors, ctx.timers, changed)
        self._ctx = ctx
        self.profiles = profiles

    def apply(self, c: Connector, now: float) -> None:
        clock = self._ctx.clock
        at = clock.at(now)
        tx_start = None if c.tx is None else clock.at(c.tx.started_at)
        profiles = self.profiles

        def own_limit(connector_id: int, point: Connector) -> float | None:
            started = None if point.tx is None else clock.at(point.tx.started_at)
            return profiles.point_limit_w(connector_id, started, at)

        self._set_limits(c, c.connector_id, own_limit, profiles.station_limit_w(at), now)
        self._follow(c, c.connector_id, profiles.next_change(tx_start, at, _SCHEDULE_HORIZON_S), now)
