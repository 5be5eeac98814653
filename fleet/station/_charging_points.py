"""The charging points of a station, for both OCPP versions (a 2.0.1 EVSE, a 1.6 connector): one per
id from 1 to ``evse_count``, each with its own meter; what the EV says about its demand; and the
seam to smart charging that each point passes on every reconcile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, Protocol, TypeVar

from fleet.station._config import StationConfig
from fleet.station._meter import Meter
from fleet.station._timers import Timers

PointT = TypeVar("PointT")


class EvPoint(Protocol):
    meter: Meter
    ev_demand_w: float  # what the EV would draw; the rule tables and the limit decide what flows


EvPointT = TypeVar("EvPointT", bound=EvPoint)


def charging_points(config: StationConfig, make: Callable[[int, float, Meter], PointT]) -> dict[int, PointT]:
    """The station's points by id: ``make(point id, maximum power in W, the point's meter)``."""
    return {
        point_id: make(point_id, config.max_power_w, Meter.for_station(config))
        for point_id in range(1, config.evse_count + 1)
    }


class EvDemand(Generic[EvPointT]):
    """``set_ev_demand`` of both versions' charging parts: the EV's readings go to the point's
    meter and its demand to the point, then the version reconciles the point (``_ev_changed``)."""

    __slots__ = ()

    def set_ev_demand(
        self,
        point: EvPointT,
        power_w: float,
        soc_percent: float | None,
        now: float,
        phases: int | None,
        dc_voltage_v: float | None,
    ) -> None:
        point.meter.set_ev_readings(now, soc_percent, phases, dc_voltage_v)
        point.ev_demand_w = max(0.0, power_w)
        self._ev_changed(point, now)

    def _ev_changed(self, point: EvPointT, now: float) -> None:
        raise NotImplementedError  # each version reconciles the point its own way


class PointLimits(Generic[PointT]):
    """The seam between the points and the smart-charging profiles. A version's subclass gives a
    point the limit in force now (``apply``, on every reconcile) and passes ``_follow`` when that
    limit may change next: a timer then calls ``changed(point, deadline)``, which reconciles the
    point again. ``profiles_changed`` does that for every point after a CSMS set or cleared one."""

    __slots__ = ("_changed", "_points", "_timers")

    def __init__(
        self, points: Mapping[int, PointT], timers: Timers, changed: Callable[[PointT, float], None]
    ) -> None:
        self._points = points
        self._timers = timers
        self._changed = changed

    def profiles_changed(self, now: float) -> None:
        """Profiles were set or cleared: every point takes its new limit now."""
        changed = self._changed
        for point in self._points.values():
            changed(point, now)

    def _follow(self, point: PointT, point_id: int, change_s: float | None, now: float) -> None:
        """Wake the point ``change_s`` seconds after ``now`` (None: no change ahead, no timer)."""
        key = ("charging-limit", point_id)
        if change_s is None:
            self._timers.cancel(key)
        else:
            changed = self._changed
            self._timers.set(key, now + change_s, lambda deadline, _now: changed(point, deadline))
