"""A driver at one EVSE who follows a behaviour profile: arrives on the profile's rate curve (or
depot schedule), brings an EV from the catalogue, starts the way the profile says, charges as the
battery accepts, and leaves at the end of the dwell — sometimes misbehaving on the way.

Sans-IO like SimpleDriver: ``next_deadline()`` says when the driver acts next; ``handle_timer``
acts with that intended time. The station's state machine stays authoritative: the driver reads
``evse_state`` and leaves when the station did not start (faulted, unavailable, token refused).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fleet.behaviour._arrivals import ArrivalProcess, ArrivalSource, CombinedArrivals, ScheduledReturns
from fleet.behaviour._battery import ChargingBattery
from fleet.behaviour._behaviour_events import RemoteStartWanted
from fleet.behaviour._distributions import draw
from fleet.behaviour._ev_catalogue import draw_session_soc, pick_ev_model
from fleet.behaviour._profile_schema import Profile, StationType
from fleet.behaviour._rate_schedule import RateSchedule
from fleet.behaviour._visit_draws import arrival_soc_after_trip, dwell_factor
from fleet.ocpp import BLOCKED_TOKEN_PREFIX
from fleet.station import AnyStation as Station  # drives either OCPP version's core

Phase = Literal["away", "plugged", "badged", "authorizing", "charging", "stopping"]
StartMethod = Literal["rfid", "pin", "start_button", "app"]

HUMAN_STEP_S = (5.0, 30.0)  # between two actions of one person (plug -> badge, badge -> unplug)
AUTH_WAIT_S = 60.0  # how long a driver watches the station for the session to start
APP_WAIT_S = 180.0  # the same for an app start: phone, CSMS and station in the loop
IDLE_AFTER_STOP_MEAN_S = 1800.0  # idle occupancy: exponential stay after badging out
MIN_DWELL_S = 60.0
MIN_CHARGE_STEP_S = 10.0  # re-evaluate the EV's power no more often than this
# a DC EV's BMS reports its SoC as it changes: while the driver waits to see the session start,
# the SoC the station reports is refreshed this often (the plug-in SoC is never held for minutes)
SOC_REFRESH_S = 10.0

_TOKEN_TYPES: dict[StartMethod, str] = {
    "rfid": "ISO14443",
    "pin": "KeyCode",
    "start_button": "NoAuthorization",
    "app": "Central",
}


@dataclass(slots=True)
class DriverStats:
    arrivals: int = 0
    turned_away: int = 0  # the connector was not Available (faulted, unavailable)
    sessions: int = 0  # a transaction was running when the driver checked
    gave_up: int = 0  # no session started (token refused, app start never came)
    app_starts: int = 0


@dataclass(slots=True)
class Visit:
    """One driver's visit, drawn on arrival (``draw_visit``)."""

    method: StartMethod
    token: str
    battery: ChargingBattery
    depart_at: float
    plug_in_first: bool
    unplug_before_stop: bool
    idle_after_stop: bool
    demand_w: float = 0.0
    plugged: bool = False
    mark_at: float = 0.0  # battery and meter are in step up to here
    mark_wh: float = 0.0  # the meter register at mark_at
    # DC with a departure margin: the driver leaves this long after the EV reaches its target
    # (``depart_at`` is then the most they wait); None: the driver leaves at ``depart_at``
    leave_after_full_s: float | None = None
    full_at: float | None = None  # when the EV reached its target, once it has
    check_at: float = 0.0  # when the driver checks that the session started

    def reached_target(self, at: float) -> None:
        """The EV reached its target at ``at``: a driver who leaves when full now leaves at
        ``at`` plus the margin (never later than ``depart_at``)."""
        if self.full_at is not None:
            return
        self.full_at = at
        if self.leave_after_full_s is not None:
            self.depart_at = min(self.depart_at, at + self.leave_after_full_s)


def start_choices(profile: Profile, app_start: bool) -> tuple[list[StartMethod], list[float]]:
    """The start methods and their weights; without an app path in the shell (``app_start``
    False), app users tap their card instead."""
    auth = profile.authorization
    methods: list[StartMethod] = ["rfid", "pin", "start_button", "app"]
    weights = [auth.rfid + (0.0 if app_start else auth.app), auth.pin, auth.start_button]
    weights.append(auth.app if app_start else 0.0)
    if sum(weights) <= 0:
        weights = [1.0, 0.0, 0.0, 0.0]
    return methods, weights


def draw_visit(
    profile: Profile,
    current: Literal["AC", "DC"],
    rng: random.Random,
    choices: tuple[list[StartMethod], list[float]],
    at: float,
    *,
    epoch: float,
) -> Visit:
    """The visit of a driver arriving at ``at`` (the local clock is ``epoch + at`` plus the
    profile's UTC offset): EV, SoC, dwell, start method, token and misbehaviour, drawn from ``rng``
    in a fixed order (every draw every visit, so one choice does not shift the later ones; the
    optional trip and departure margin draw last). Both simulation models draw visits here: same
    seed, same visits."""
    model = pick_ev_model(profile.ev_models, rng, current=current)
    soc, target = draw_session_soc(profile.arrival_soc_percent, profile.target_soc_percent, rng)
    dwell_h = draw(profile.dwell_h, rng) * dwell_factor(profile, epoch + at)
    dwell_s = max(MIN_DWELL_S, dwell_h * 3600.0)
    method = rng.choices(choices[0], choices[1])[0]
    rejected = rng.random() < profile.authorization.rejected_token
    plug_in_first = rng.random() < profile.authorization.plug_in_first
    unplug_before_stop = rng.random() < profile.misbehaviour.unplug_before_stop
    idle_after_stop = rng.random() < profile.misbehaviour.idle_after_charging
    token = _token_for(method, rng)
    if rejected and method != "start_button":  # a button has no token to refuse
        token = BLOCKED_TOKEN_PREFIX + token
    if profile.trip_kwh is not None:
        soc = arrival_soc_after_trip(soc, target, draw(profile.trip_kwh, rng), model.battery_kwh)
    margin = profile.dc_departure_margin_min
    leave_after_full_s = None if margin is None else max(0.0, draw(margin, rng)) * 60.0
    return Visit(
        method=method,
        token=token,
        battery=ChargingBattery(model, soc, target),
        depart_at=at + dwell_s,
        plug_in_first=plug_in_first,
        unplug_before_stop=unplug_before_stop,
        idle_after_stop=idle_after_stop,
        leave_after_full_s=leave_after_full_s if current == "DC" else None,
    )


def arrival_source(
    profile: Profile, epoch: float, rng: random.Random, rate_schedule: RateSchedule | None = None
) -> ArrivalSource | None:
    """The profile's arrivals for one EVSE (rate curve, depot schedule, or both), or None. The
    rate curve is multiplied by ``rate_schedule`` (a depot's scheduled returns are not)."""
    sources: list[ArrivalSource] = []
    if profile.arrivals is not None:
        sources.append(ArrivalProcess(profile.arrivals, profile.utc_offset_h, epoch, rng, rate_schedule))
    if profile.scheduled_returns:
        sources.append(ScheduledReturns(profile.scheduled_returns, profile.utc_offset_h, epoch, rng))
    if not sources:
        return None
    return sources[0] if len(sources) == 1 else CombinedArrivals(sources)


class ProfileDriver:
    def __init__(
        self,
        evse_id: int,
        profile: Profile,
        station_type: StationType,
        rng: random.Random,
        start_at: float,
        epoch: float,
        *,
        app_start: bool = False,
        rate_schedule: RateSchedule | None = None,
    ) -> None:
        if station_type.current == "DC" and not any(
            m.max_dc_kw > 0 and m.share > 0 for m in profile.ev_models
        ):
            raise ValueError(
                f"profile {profile.name!r}: station type {station_type.name!r} is DC but no EV model "
                "has max_dc_kw > 0 and share > 0; add one to ev_models"
            )
        self.evse_id = evse_id
        self.profile = profile
        self.station_type = station_type
        self.phase: Phase = "away"
        self.stats = DriverStats()
        self._choices = start_choices(profile, app_start)
        self._arrivals = arrival_source(profile, epoch, random.Random(rng.getrandbits(64)), rate_schedule)
        self._rng = rng
        self._epoch = epoch
        self._visit: Visit | None = None
        self._wanted: list[RemoteStartWanted] = []
        self._next_at = self._arrivals.next_arrival(start_at) if self._arrivals is not None else None

    def next_deadline(self) -> float | None:
        return self._next_at

    def hold(self) -> None:
        """A person at the station took this EVSE (only while ``phase`` is "away"): no arrival
        until ``release``."""
        self._next_at = None

    def release(self, now: float) -> None:
        """The person left the EVSE at ``now``: the next arrival on the profile's curve after it."""
        self._next_at = self._arrivals.next_arrival(now) if self._arrivals is not None else None

    @property
    def wants_remote_start(self) -> bool:
        """``behaviour_events()`` has something to drain."""
        return bool(self._wanted)

    def behaviour_events(self) -> list[RemoteStartWanted]:
        wanted, self._wanted = self._wanted, []
        return wanted

    def handle_timer(self, now: float, station: Station) -> None:
        if self._next_at is None or now < self._next_at:
            return
        at = self._next_at
        self._next_at = _STEPS[self.phase](self, station, at)

    # --- the steps (each returns the time of the next one) --------------------------------------

    def _arrive(self, station: Station, at: float) -> float | None:
        self.stats.arrivals += 1
        visit = self._visit = self._new_visit(at)
        if station.evse_state(self.evse_id).connector_status != "Available":
            self.stats.turned_away += 1
            return self._leave(station, at)
        # an app or button start needs the car connected first
        if visit.plug_in_first or visit.method in ("app", "start_button"):
            self._plug_in(station, at)
            self.phase = "plugged"
        else:
            station.present_id_token(self.evse_id, visit.token, _TOKEN_TYPES[visit.method], at)
            self.phase = "badged"
        return at + self._human_step()

    def _start(self, station: Station, at: float) -> float | None:
        """Plugged in: badge, press the button, or start from the app."""
        visit = self._require_visit()
        if visit.method == "app":
            self.stats.app_starts += 1
            self._wanted.append(RemoteStartWanted(self.evse_id, visit.token))
            return self._await_start(at, APP_WAIT_S)
        station.present_id_token(self.evse_id, visit.token, _TOKEN_TYPES[visit.method], at)
        return self._await_start(at, AUTH_WAIT_S)

    def _plug_after_badge(self, station: Station, at: float) -> float | None:
        self._plug_in(station, at)
        return self._await_start(at, AUTH_WAIT_S)

    def _await_start(self, at: float, wait_s: float) -> float:
        """Watch the station for ``wait_s``; a DC EV refreshes its SoC meanwhile."""
        visit = self._require_visit()
        self.phase = "authorizing"
        visit.check_at = at + wait_s
        return self._next_check(at)

    def _next_check(self, at: float) -> float:
        visit = self._require_visit()
        if self.station_type.current != "DC":
            return visit.check_at
        return min(visit.check_at, at + SOC_REFRESH_S)

    def _check_started(self, station: Station, at: float) -> float | None:
        visit = self._require_visit()
        if at < visit.check_at:  # not yet the driver's check: the BMS reports the SoC it has now
            if station.evse_state(self.evse_id).transaction_id is not None:
                self._sync_battery(station, at)
                self._set_demand(station, at)
            return self._next_check(at)
        if station.evse_state(self.evse_id).transaction_id is None:
            self.stats.gave_up += 1
            return self._leave(station, at)
        self.stats.sessions += 1
        self.phase = "charging"
        return self._charge(station, at)

    def _charge(self, station: Station, at: float) -> float | None:
        visit = self._require_visit()
        self._sync_battery(station, at)
        if station.evse_state(self.evse_id).transaction_id is None:
            return self._leave(station, at)  # the station or the CSMS ended it: unplug and go
        if visit.battery.target_reached:
            visit.reached_target(at)  # a DC driver comes back the margin later
        if at >= visit.depart_at:
            return self._stop(station, at)
        power = self._set_demand(station, at)
        hold = visit.battery.seconds_until_change(power)
        if hold is None:
            return visit.depart_at
        return min(visit.depart_at, at + max(hold, MIN_CHARGE_STEP_S))

    def _stop(self, station: Station, at: float) -> float | None:
        visit = self._require_visit()
        # app users stop from the app; the shell has no path for that, so the cable ends it
        if visit.method == "app" or visit.unplug_before_stop:
            return self._leave(station, at)
        station.present_id_token(self.evse_id, visit.token, _TOKEN_TYPES[visit.method], at)
        self.phase = "stopping"
        if visit.idle_after_stop:
            return at + self._rng.expovariate(1.0 / IDLE_AFTER_STOP_MEAN_S)
        return at + self._human_step()

    def _unplug_and_leave(self, station: Station, at: float) -> float | None:
        return self._leave(station, at)

    def _leave(self, station: Station, at: float) -> float | None:
        if self._visit is not None and self._visit.plugged:
            self._sync_battery(station, at)
        station.unplug(self.evse_id, at)
        station.set_ev_demand(self.evse_id, 0.0, None, at)
        self.phase = "away"
        self._visit = None
        return self._arrivals.next_arrival(at) if self._arrivals is not None else None

    # --- helpers --------------------------------------------------------------------------------

    def _new_visit(self, at: float) -> Visit:
        return draw_visit(
            self.profile, self.station_type.current, self._rng, self._choices, at, epoch=self._epoch
        )

    def _require_visit(self) -> Visit:
        if self._visit is None:  # pragma: no cover - the phase table makes this unreachable
            raise RuntimeError(f"driver at EVSE {self.evse_id} in phase {self.phase} without a visit")
        return self._visit

    def _human_step(self) -> float:
        return self._rng.uniform(*HUMAN_STEP_S)

    def _plug_in(self, station: Station, at: float) -> None:
        visit = self._require_visit()
        # the EV's demand first: a driver who badged already starts the session on plugging in
        self._set_demand(station, at)
        station.plug_in(self.evse_id, at)
        visit.plugged = True
        visit.mark_at = at
        visit.mark_wh = station.evse_state(self.evse_id).energy_wh

    def _set_demand(self, station: Station, at: float) -> float:
        visit = self._require_visit()
        kind = self.station_type
        battery = visit.battery
        power = 0.0
        if battery.accepts(kind.current):
            power = battery.power_w(
                current=kind.current,
                evse_limit_w=kind.max_power_kw * 1000.0,
                evse_phases=station.config.phases,
                cable_limit_w=kind.cable_limit_kw * 1000.0 if kind.cable_limit_kw is not None else None,
            )
        visit.demand_w = power
        station.set_ev_demand(
            self.evse_id,
            power,
            self._reported_soc(),
            at,
            battery.phases_used(kind.current, station.config.phases),
            dc_voltage_v=self._dc_voltage(),
        )
        return power

    def _reported_soc(self) -> float | None:
        # AC stations do not learn the SoC (no ISO 15118 here); DC stations read it from the EV
        if self._visit is None or self.station_type.current != "DC":
            return None
        return self._visit.battery.soc_percent

    def _dc_voltage(self) -> float | None:
        # a DC charger's output sits at the EV battery's voltage, which rises with the SoC
        if self._visit is None or self.station_type.current != "DC":
            return None
        return self._visit.battery.voltage_v

    def _sync_battery(self, station: Station, at: float) -> None:
        """Give the battery exactly the energy the meter counted since the last sync."""
        visit = self._require_visit()
        if at <= visit.mark_at:
            return
        # same demand again: only makes the meter integrate up to ``at``
        station.set_ev_demand(
            self.evse_id,
            visit.demand_w,
            self._reported_soc(),
            at,
            visit.battery.phases_used(self.station_type.current, station.config.phases),
            dc_voltage_v=self._dc_voltage(),
        )
        energy_wh = station.evse_state(self.evse_id).energy_wh
        delivered_wh = max(0.0, energy_wh - visit.mark_wh)
        visit.battery.advance(at - visit.mark_at, delivered_wh * 3600.0 / (at - visit.mark_at))
        visit.mark_at, visit.mark_wh = at, energy_wh


def _token_for(method: StartMethod, rng: random.Random) -> str:
    if method == "start_button":
        return ""
    if method == "pin":
        return "".join(rng.choices(string.digits, k=4))
    if method == "app":
        return "APP-" + "".join(rng.choices("0123456789ABCDEF", k=12))
    return "".join(rng.choices("0123456789ABCDEF", k=8))  # an RFID UID


# phase -> what the driver does when its timer fires
_STEPS: dict[Phase, Callable[[ProfileDriver, Station, float], float | None]] = {
    "away": ProfileDriver._arrive,
    "plugged": ProfileDriver._start,
    "badged": ProfileDriver._plug_after_badge,
    "authorizing": ProfileDriver._check_started,
    "charging": ProfileDriver._charge,
    "stopping": ProfileDriver._unplug_and_leave,
}
