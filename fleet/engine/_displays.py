"""The station displays of a ``fleet run``: the console's door (``fleet.console.StationDisplays``)
to the reactor's simulated stations, so a person can be one more driver at one of them.

The console's request runs in its own trio task, between two passes of the reactor (one thread,
cooperative): the person's action changes the station at the fleet's simulated ``now``, then the
reactor is nudged to send what the station queued and to wait for its next deadline, as after
any other event of that station.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fleet.behaviour import PersonAtStation, StationScreen, person_at

if TYPE_CHECKING:
    from fleet.engine._station_pool import StationPool

_Action = Callable[[PersonAtStation, int, str, str, float], str]
_ACTIONS: dict[str, _Action] = {
    "present": lambda person, evse, token, kind, now: person.present_token(evse, token, kind, now),
    "plug-in": lambda person, evse, token, kind, now: person.plug_in(evse, now),
    "stop": lambda person, evse, token, kind, now: person.stop(evse, now),
    "unplug": lambda person, evse, token, kind, now: person.unplug(evse, now),
}


class NoSuchStation(LookupError):
    pass


class StationDisplays:
    """Every station display of this process; live while the fleet runs (``run_fleet`` attaches
    its stations; the displays go dark when the run is over)."""

    def __init__(self) -> None:
        self._pool: StationPool | None = None
        self._people: dict[str, PersonAtStation] = {}

    def attach(self, pool: StationPool) -> None:
        self._pool = pool

    def screen(self, station_id: str) -> StationScreen | None:
        found = self._person(station_id)
        if found is None:
            return None
        person, pool = found
        return person.screen(pool.sim_now())

    def act(self, station_id: str, action: str, evse_id: int, id_token: str, kind: str) -> str:
        found = self._person(station_id)
        if found is None:
            raise NoSuchStation(station_id)
        person, pool = found
        do = _ACTIONS.get(action)
        if do is None:
            raise ValueError(f"no display action {action!r}: use one of {', '.join(_ACTIONS)}")
        try:
            return do(person, evse_id, id_token, kind, pool.sim_now())
        finally:
            pool.nudge(station_id)  # whatever the action queued goes out now

    def _person(self, station_id: str) -> tuple[PersonAtStation, StationPool] | None:
        pool = self._pool
        station = pool.running(station_id) if pool is not None else None
        if pool is None or station is None:
            return None
        person = self._people.get(station_id)
        if person is None or person.station is not station.core:  # first use, or restarted
            person = person_at(station)
            if person is None:
                return None
            self._people[station_id] = person
        return person, pool
