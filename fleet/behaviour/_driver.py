"""A simple seeded driver at one EVSE: arrive, plug in, authorize, charge, stop, unplug, leave.

Sans-IO like the station: ``next_deadline()`` says when the driver acts next, ``handle_timer``
acts on the station with the intended time (so a late shell does not shift the driver's timing).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fleet.behaviour._rate_schedule import RateSchedule
from fleet.station import AnyStation as Station  # drives either OCPP version's core

Phase = Literal["away", "plugged", "charging", "stopping"]


@dataclass(frozen=True, slots=True)
class DriverSettings:
    mean_idle_s: float = 3_600.0  # exponential time between a departure and the next arrival
    mean_charge_s: float = 1_800.0  # exponential charging time
    power_w: float = 11_000.0  # what the EV draws (the station caps it at its max power)
    unplug_first_probability: float = 0.05  # drivers who pull the cable instead of badging out
    step_s: float = 5.0  # human time between two actions (plug -> badge, badge -> unplug)
    # id token types and their weights: RFID card, PIN code, start button
    token_mix: tuple[tuple[str, float], ...] = (("ISO14443", 0.7), ("KeyCode", 0.2), ("NoAuthorization", 0.1))

    def __post_init__(self) -> None:
        if self.mean_idle_s <= 0 or self.mean_charge_s <= 0 or self.step_s < 0:
            raise ValueError(
                f"DriverSettings: mean_idle_s and mean_charge_s must be > 0 and step_s >= 0, got "
                f"{self.mean_idle_s}, {self.mean_charge_s}, {self.step_s}"
            )
        if not 0.0 <= self.unplug_first_probability <= 1.0:
            raise ValueError(
                "DriverSettings: unplug_first_probability must be in [0, 1], "
                f"got {self.unplug_first_probability}"
            )
        if not self.token_mix or any(weight < 0 for _, weight in self.token_mix):
            raise ValueError("DriverSettings: token_mix needs at least one (type, weight >= 0) pair")


def _token_for(kind: str, rng: random.Random) -> str:
    if kind == "NoAuthorization":
        return ""
    if kind == "KeyCode":
        return "".join(rng.choices(string.digits, k=4))
    return "".join(rng.choices("0123456789ABCDEF", k=8))  # an RFID UID


class SimpleDriver:
    def __init__(
        self,
        evse_id: int,
        rng: random.Random,
        settings: DriverSettings,
        start_at: float = 0.0,
        rate_schedule: RateSchedule | None = None,
    ) -> None:
        self.evse_id = evse_id
        self.settings = settings
        self.phase: Phase = "away"
        self.sessions = 0
        self._rng = rng
        self._token = ("", "NoAuthorization")
        # arrivals x the multiplier in force (fleet run --stages ...x2): the idle time runs faster
        self._rate_schedule = rate_schedule if rate_schedule else None
        self._next_at: float | None = self._arrival_after(start_at)

    def next_deadline(self) -> float | None:
        return self._next_at

    def hold(self) -> None:
        """A person at the station took this EVSE (only while ``phase`` is "away"): no arrival
        until ``release``."""
        self._next_at = None

    def release(self, now: float) -> None:
        """The person left the EVSE at ``now``: the next arrival is drawn from then."""
        self._next_at = self._arrival_after(now)

    def _arrival_after(self, at: float) -> float:
        """The next arrival after an idle time from ``at``: exponential with the mean idle time at
        multiplier 1; with a rate schedule, exactly the exponential wait whose rate follows it."""
        idle = self._rng.expovariate(1.0 / self.settings.mean_idle_s)
        return at + idle if self._rate_schedule is None else self._rate_schedule.advance(at, idle)

    def handle_timer(self, now: float, station: Station) -> None:
        if self._next_at is None or now < self._next_at:
            return
        at = self._next_at
        self._next_at = _STEPS[self.phase](self, station, at)

    def _arrive(self, station: Station, at: float) -> float:
        kinds = [kind for kind, _ in self.settings.token_mix]
        weights = [weight for _, weight in self.settings.token_mix]
        kind = self._rng.choices(kinds, weights)[0]
        self._token = (_token_for(kind, self._rng), kind)
        station.plug_in(self.evse_id, at)
        station.set_ev_demand(self.evse_id, self.settings.power_w, None, at)
        self.phase = "plugged"
        return at + self.settings.step_s

    def _authorize(self, station: Station, at: float) -> float:
        station.present_id_token(self.evse_id, *self._token, at)
        self.phase = "charging"
        self.sessions += 1
        return at + self._rng.expovariate(1.0 / self.settings.mean_charge_s)

    def _finish(self, station: Station, at: float) -> float:
        if self._rng.random() < self.settings.unplug_first_probability:
            return self._leave(station, at)
        station.present_id_token(self.evse_id, *self._token, at)
        self.phase = "stopping"
        return at + self.settings.step_s

    def _leave(self, station: Station, at: float) -> float:
        station.unplug(self.evse_id, at)
        station.set_ev_demand(self.evse_id, 0.0, None, at)
        self.phase = "away"
        return self._arrival_after(at)


# phase -> what the driver does when its timer fires (returns the time of the next action)
_STEPS: dict[Phase, Callable[[SimpleDriver, Station, float], float]] = {
    "away": SimpleDriver._arrive,
    "plugged": SimpleDriver._authorize,
    "charging": SimpleDriver._finish,
    "stopping": SimpleDriver._leave,
}
