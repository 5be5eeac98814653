"""A person at a simulated station: one more driver, acting through the station's own display
(the OCPP paper's customer login at the station) instead of on a seeded schedule.

The person presents an id token (an RFID card or a PIN), plugs a car in, watches the charge,
stops (presents the token again) and unplugs, on the same station inputs a simulated driver uses,
so the station sends the CSMS the same frames (Authorize, StatusNotification, TransactionEvent or
Start/StopTransaction, MeterValues). While the person holds an EVSE its simulated driver does not
arrive there (the person's car occupies it); an EVSE a simulated driver is using is refused.

Sans-IO like the drivers: every action takes the simulated ``now``; the shell applies it inside
its loop and sends what the station queued (``fleet.engine``'s station displays).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fleet.behaviour._person_screen import EvseScreen, EvseUser, StationScreen, evse_screen
from fleet.behaviour._profile_station import ProfileStation
from fleet.behaviour._simulated import SimulatedStation
from fleet.ocpp import LocalProtocolError
from fleet.station import AnyStation, ShellStation, Station16

# what the person's display offers: an RFID card or a PIN typed on the keypad
TOKEN_TYPES = {"rfid": "ISO14443", "pin": "KeyCode"}
AC_CAR_W = 11_000.0  # the person's car's on-board charger (an AC station may offer more)


class DisplayRefused(ValueError):
    """The display cannot do that now; the message says why (shown to the person)."""


class HeldDriver(Protocol):
    """A simulated driver as the person at its EVSE sees it (``SimpleDriver``, ``ProfileDriver``)."""

    @property
    def evse_id(self) -> int: ...
    @property
    def phase(self) -> str: ...
    def hold(self) -> None: ...
    def release(self, now: float) -> None: ...


@dataclass(slots=True)
class _Seat:
    """The person's hold on one EVSE."""

    token: tuple[str, str] | None = None  # (id token, type) presented here
    plugged_at: float | None = None
    mark_wh: float = 0.0  # the meter register when the car was plugged in


class PersonAtStation:
    def __init__(
        self,
        station: AnyStation,
        drivers: Sequence[HeldDriver],
        on_seats_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.station = station
        self._drivers = {driver.evse_id: driver for driver in drivers}
        self._on_seats_changed = on_seats_changed
        self._seats: dict[int, _Seat] = {}
        self.message = "Choose a connector, then present your card or PIN, or plug in."

    # --- what the person does --------------------------------------------------------------------

    def present_token(self, evse_id: int, id_token: str, kind: str, now: float) -> str:
        """Badge a card (``kind`` "rfid") or type a PIN ("pin") at ``evse_id``; presenting the
        token of the session running here again stops it."""
        token_type = TOKEN_TYPES.get(kind)
        if token_type is None:
            raise DisplayRefused(f"token kind {kind!r}: choose one of {sorted(TOKEN_TYPES)}")
        if not id_token.strip():
            raise DisplayRefused("present a card or type a PIN first: the token is empty")
        seat = self._seat(evse_id, now)
        token = (id_token.strip(), token_type)
        if seat.token is not None and seat.token != token:
            raise DisplayRefused(f"EVSE {evse_id}: another token ({seat.token[0]}) is in use here")
        stopping = seat.token is not None
        try:
            self.station.present_id_token(evse_id, token[0], token_type, now)
        except LocalProtocolError as exc:
            self._leave_if_idle(evse_id, seat, now)
            raise DisplayRefused(str(exc)) from exc
        if stopping:  # the core ends the session (or the authorization waiting for the cable)
            seat.token = None
            return self._say(f"EVSE {evse_id}: token {token[0]} presented again: stopping the charge")
        seat.token = token
        return self._say(f"EVSE {evse_id}: token {token[0]} presented: authorizing")

    def plug_in(self, evse_id: int, now: float) -> str:
        seat = self._seat(evse_id, now)
        if seat.plugged_at is not None:
            raise DisplayRefused(f"EVSE {evse_id}: your car is plugged in already")
        station = self.station
        config = station.config
        demand_w = config.max_power_w if config.current == "DC" else min(config.max_power_w, AC_CAR_W)
        station.set_ev_demand(evse_id, demand_w, None, now)  # a car that badged starts on plugging
        station.plug_in(evse_id, now)
        seat.plugged_at, seat.mark_wh = now, station.evse_state(evse_id).energy_wh
        return self._say(f"EVSE {evse_id}: car plugged in")

    def stop(self, evse_id: int, now: float) -> str:
        """The stop button: present the token that started the session again."""
        seat = self._seats.get(evse_id)
        if seat is None or seat.token is None:
            raise DisplayRefused(f"EVSE {evse_id}: no session of yours to stop (present your token first)")
        kind = next(kind for kind, token_type in TOKEN_TYPES.items() if token_type == seat.token[1])
        return self.present_token(evse_id, seat.token[0], kind, now)

    def unplug(self, evse_id: int, now: float) -> str:
        """Take the car away (or walk away before plugging in): the EVSE is free again."""
        seat = self._seats.get(evse_id)
        if seat is None:
            raise DisplayRefused(f"EVSE {evse_id}: you are not at this EVSE")
        if seat.plugged_at is not None:
            self.station.unplug(evse_id, now)
            self.station.set_ev_demand(evse_id, 0.0, None, now)
        self._leave(evse_id, now)
        return self._say(f"EVSE {evse_id}: car unplugged, the connector is free")

    # --- what the display shows ----------------------------------------------------------------

    def screen(self, now: float) -> StationScreen:
        station = self.station
        evses: list[EvseScreen] = []
        for evse_id in range(1, station.config.evse_count + 1):
            state = station.evse_state(evse_id)
            seat = self._seats.get(evse_id)
            if seat is None:
                evses.append(evse_screen(state, self._user_of(evse_id), None, None, now))
                continue
            token = seat.token[0] if seat.token is not None else None
            plugged = (seat.plugged_at, seat.mark_wh) if seat.plugged_at is not None else None
            evses.append(evse_screen(state, "you", token, plugged, now))
        return StationScreen(
            station_id=station.station_id,
            ocpp_version="1.6" if isinstance(station, Station16) else "2.0.1",
            online=station.is_connected,
            message=self.message,
            evses=tuple(evses),
        )

    def _user_of(self, evse_id: int) -> EvseUser:
        """Who is at an EVSE the person does not hold."""
        driver = self._drivers.get(evse_id)
        return "free" if driver is None or driver.phase == "away" else "driver"

    # --- internals -----------------------------------------------------------------------------

    def _say(self, message: str) -> str:
        self.message = message
        return message

    def _seat(self, evse_id: int, now: float) -> _Seat:
        """The person's hold on ``evse_id``, taken now if free (its driver then waits)."""
        seat = self._seats.get(evse_id)
        if seat is not None:
            return seat
        count = self.station.config.evse_count
        if not 1 <= evse_id <= count:
            raise DisplayRefused(f"station {self.station.station_id} has EVSEs 1..{count}, not {evse_id}")
        driver = self._drivers.get(evse_id)
        if driver is not None and driver.phase != "away":
            raise DisplayRefused(
                f"EVSE {evse_id} is in use by a simulated driver ({driver.phase}); choose another EVSE"
            )
        if (transaction := self.station.evse_state(evse_id).transaction_id) is not None:
            raise DisplayRefused(f"EVSE {evse_id} has a transaction running ({transaction}); choose another")
        if driver is not None:
            driver.hold()
            self._on_seats_changed()
        seat = self._seats[evse_id] = _Seat()
        return seat

    def _leave_if_idle(self, evse_id: int, seat: _Seat, now: float) -> None:
        if seat.token is None and seat.plugged_at is None:
            self._leave(evse_id, now)

    def _leave(self, evse_id: int, now: float) -> None:
        del self._seats[evse_id]
        driver = self._drivers.get(evse_id)
        if driver is not None:
            driver.release(now)
            self._on_seats_changed()


def person_at(station: ShellStation) -> PersonAtStation | None:
    """The door for a person at ``station``: a simulated station with drivers (``fleet run``'s
    stations), None for anything else."""
    if isinstance(station, ProfileStation):
        return PersonAtStation(station.station, station.drivers, station.refresh_behaviour_deadline)
    if isinstance(station, SimulatedStation):
        return PersonAtStation(station.station, station.drivers)
    return None
