"""A station maximum is the whole station's (OCPP 2.0.1 K01: a ChargingStationMaxProfile on evseId
0; OCPP 1.6 3.13: a ChargePointMaxProfile on connectorId 0): the charging points share it, and the
sum of their power never exceeds it.

The split (the spec leaves it to the station): equal shares among the points that draw power; a
point that wants less than its equal share keeps what it wants and the rest is shared among the
others. A point that draws nothing may take up to the whole maximum: the moment it starts to draw,
its reconcile shares the maximum anew and the other points are reconciled to their new shares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from fleet.station._charging_points import PointLimits
from fleet.station._timers import Timers


class SharingPoint(Protocol):
    """A 2.0.1 EVSE or a 1.6 connector, as far as sharing goes."""

    limit_w: float | None

    def power_w(self) -> float: ...


SharingPointT = TypeVar("SharingPointT", bound=SharingPoint)


def share_station_limit(limit_w: float, wants_w: Mapping[int, float]) -> dict[int, float]:
    """Each drawing point's share of ``limit_w`` (points that want nothing get no entry): equal
    shares, a point wanting less keeps what it wants and leaves the rest to the others."""
    shares: dict[int, float] = {}
    left = max(0.0, limit_w)
    pending = sorted((want, point_id) for point_id, want in wants_w.items() if want > 0)
    for index, (want, point_id) in enumerate(pending):
        equal = left / (len(pending) - index)
        if want > equal:
            shares.update((rest, equal) for _, rest in pending[index:])
            break
        shares[point_id] = want
        left -= want
    return shares


def _lower(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


class SharedLimits(PointLimits[SharingPointT]):
    """A version's ``PointLimits`` that shares the station maximum: ``_set_limits`` gives every
    point its limit and reconciles the other points whose limit changed."""

    __slots__ = ("_applied", "_shared", "_sharing")

    def __init__(
        self,
        points: Mapping[int, SharingPointT],
        timers: Timers,
        changed: Callable[[SharingPointT, float], None],
    ) -> None:
        super().__init__(points, timers, changed)
        self._shared = False  # the limits in force hold shares of a station maximum
        self._sharing = False  # reconciling the other points: their own calls only share
        self._applied: dict[int, float | None] = {}  # the limit each point was last reconciled with

    def _set_limits(
        self,
        point: SharingPointT,
        point_id: int,
        own_limit: Callable[[int, SharingPointT], float | None],
        station_w: float | None,
        now: float,
    ) -> None:
        """``own_limit(id, point)``: the point's limit by its own profiles; ``station_w``: the
        station maximum in force (None: none)."""
        if station_w is None and not self._shared:
            point.limit_w = own_limit(point_id, point)  # the common case: nothing to share
            self._applied[point_id] = point.limit_w
            return
        self._share(own_limit, station_w)
        self._applied[point_id] = point.limit_w
        if self._sharing:
            return
        self._sharing = True
        try:
            self._reconcile_others(point_id, own_limit, station_w, now)
        finally:
            self._sharing = False
        self._applied[point_id] = point.limit_w

    def _share(
        self, own_limit: Callable[[int, SharingPointT], float | None], station_w: float | None
    ) -> None:
        points = self._points
        for point_id, point in points.items():
            point.limit_w = own_limit(point_id, point)
        self._shared = station_w is not None
        if station_w is None:
            return
        shares = share_station_limit(station_w, {pid: p.power_w() for pid, p in points.items()})
        for point_id, point in points.items():
            point.limit_w = _lower(point.limit_w, shares.get(point_id, station_w))

    def _reconcile_others(
        self,
        point_id: int,
        own_limit: Callable[[int, SharingPointT], float | None],
        station_w: float | None,
        now: float,
    ) -> None:
        """Reconcile each other point whose limit moved, until none does (a reconcile may end a
        session and move the shares again); bounded by the number of points."""
        points, changed = self._points, self._changed
        for _ in range(len(points) + 1):
            applied = self._applied
            moved = [
                (other_id, other)
                for other_id, other in points.items()
                if other_id != point_id and other.limit_w != applied.get(other_id)
            ]
            if not moved:
                return
            for other_id, other in moved:
                applied[other_id] = other.limit_w
                changed(other, now)
            self._share(own_limit, station_w)
