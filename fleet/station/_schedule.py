"""Charging-schedule arithmetic for every OCPP version: which profile is in force, the limit it
gives at an instant, when that limit may change next, and the composite schedule over a window.

It works on plain dataclasses in station time (the shells' ``now``, in seconds), so the OCPP 1.6
and 2.0.1 cores only translate their messages into ``ScheduleProfile`` and back.

The rules (OCPP 1.6 3.13, OCPP 2.0.1 K01/K08):
- per purpose, the profile of the highest stack level that has a period at the instant wins; an
  EVSE's (connector's) own profile wins over a station-wide one (evse 0);
- a transaction's own profile (Tx) replaces the default one (TxDefault) while it has a period;
- the station maximum (StationMax) caps whatever the transaction profile allows: the limit is the
  minimum of the purposes' winners. It limits the whole station: the EVSEs share it
  (``_station_share``), so ``station_limit_w`` and ``point_limit_w`` give the two apart;
- a profile's alternative schedules (2.0.1: up to three, for ISO 15118) are each a
  ``ScheduleProfile`` of the same profile; with no EV here to choose one, the lowest limit of those
  in force applies, so the station never exceeds any of them;
- a Relative station maximum limits no one transaction: it runs from its installation.
Amperes are converted with the supply's voltage and the period's phases (default: all of them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Purpose = Literal["StationMax", "TxDefault", "Tx"]
Kind = Literal["Absolute", "Relative", "Recurring"]
Recurrency = Literal["Daily", "Weekly"]
Unit = Literal["W", "A"]

RECURRENCE_S: dict[Recurrency, float] = {"Daily": 86_400.0, "Weekly": 7 * 86_400.0}
# a timer fires at ``now + offset``, which float arithmetic may land a hair before the edge it was
# armed for: an instant is judged just after itself, so the new period is in force at its edge
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Period:
    start_s: float  # from the schedule's start
    limit: float  # in the profile's unit
    phases: int | None = None  # None: all the supply's phases


@dataclass(frozen=True, slots=True)
class ScheduleProfile:
    profile_id: int
    evse_id: int  # 0: the whole station
    purpose: Purpose
    stack_level: int
    kind: Kind
    periods: tuple[Period, ...]
    unit: Unit = "W"
    recurrency: Recurrency | None = None
    start: float | None = None  # startSchedule in station time
    duration_s: float | None = None
    valid_from: float | None = None
    valid_to: float | None = None
    installed_at: float = 0.0  # the start of an Absolute/Recurring profile without startSchedule

    def __post_init__(self) -> None:
        # sorted once here, because the limit is looked up on every reconcile of a charging EVSE
        object.__setattr__(self, "periods", tuple(sorted(self.periods, key=lambda p: p.start_s)))


@dataclass(frozen=True, slots=True)
class Supply:
    """What converts amperes to watts: the EVSE's voltage and phases."""

    voltage_v: float
    phases: int

    def watts(self, limit: float, unit: Unit, phases: int | None = None) -> float:
        if unit == "W":
            return max(0.0, limit)
        return max(0.0, limit * self.voltage_v * (self.phases if phases is None else phases))

    def in_unit(self, watts: float, unit: Unit) -> float:
        """Watts as the asked unit: amperes per phase on all the supply's phases."""
        return watts if unit == "W" else watts / (self.voltage_v * self.phases)


def offered_power_w(max_power_w: float, limit_w: float | None) -> float:
    """What an EVSE offers the EV: its own maximum, capped by the smart-charging limit. The one
    place where a schedule meets the charging physics, in both OCPP versions."""
    return max_power_w if limit_w is None else max(0.0, min(max_power_w, limit_w))


# --- one profile ---------------------------------------------------------------------------------


def schedule_start(profile: ScheduleProfile, tx_started: float | None, at: float) -> float | None:
    """When the profile's schedule (its current cycle, if recurring) started; None: not anchored
    (a Relative profile without a transaction)."""
    if profile.kind == "Relative":
        return profile.installed_at if profile.purpose == "StationMax" else tx_started
    anchor = profile.start
    if anchor is None:
        anchor = profile.valid_from if profile.valid_from is not None else profile.installed_at
    if profile.kind == "Recurring":
        cycle = RECURRENCE_S[profile.recurrency or "Daily"]
        return anchor + math.floor((at + _EPS - anchor) / cycle) * cycle
    return anchor


def profile_limit_w(
    profile: ScheduleProfile, tx_started: float | None, at: float, supply: Supply
) -> float | None:
    """The profile's limit at ``at`` in watts; None when it has no period in force then."""
    instant = at + _EPS
    if (profile.valid_from is not None and instant < profile.valid_from) or (
        profile.valid_to is not None and instant >= profile.valid_to
    ):
        return None
    start = schedule_start(profile, tx_started, at)
    if start is None:
        return None
    elapsed = instant - start
    if elapsed < 0 or (profile.duration_s is not None and elapsed >= profile.duration_s):
        return None
    current: Period | None = None
    for period in profile.periods:
        if period.start_s > elapsed:
            break
        current = period
    if current is None:
        return None
    return supply.watts(current.limit, profile.unit, current.phases)


# --- stacking and purposes -----------------------------------------------------------------------


def purpose_winner(
    profiles: Iterable[ScheduleProfile],
    evse_id: int,
    purpose: Purpose,
    tx_started: float | None,
    at: float,
    supply: Supply,
) -> tuple[ScheduleProfile, float] | None:
    """The profile of ``purpose`` in force on the EVSE at ``at`` and its limit in watts."""
    best: tuple[tuple[bool, int], ScheduleProfile, float] | None = None
    for profile in profiles:
        if profile.purpose != purpose or profile.evse_id not in (0, evse_id):
            continue
        limit = profile_limit_w(profile, tx_started, at, supply)
        if limit is None:
            continue
        rank = (profile.evse_id == evse_id and evse_id != 0, profile.stack_level)
        # the same rank twice: alternative schedules of one profile (install refuses two profiles
        # in one slot), the lowest limit of them holds
        if best is None or rank > best[0] or (rank == best[0] and limit < best[2]):
            best = (rank, profile, limit)
    return None if best is None else (best[1], best[2])


def station_limit_w(profiles: Iterable[ScheduleProfile], at: float, supply: Supply) -> float | None:
    """The station maximum at ``at``: the power the whole station may draw (None: no limit)."""
    station = purpose_winner(profiles, 0, "StationMax", None, at, supply)
    return None if station is None else station[1]


def point_limit_w(
    profiles: Iterable[ScheduleProfile], evse_id: int, tx_started: float | None, at: float, supply: Supply
) -> float | None:
    """The EVSE's own limit at ``at``, the station maximum aside: its transaction's profile (Tx,
    else TxDefault), which counts only while a transaction runs (``tx_started`` is not None)."""
    if tx_started is None or evse_id == 0:
        return None
    profiles = tuple(profiles)
    tx = purpose_winner(profiles, evse_id, "Tx", tx_started, at, supply)
    if tx is None:
        tx = purpose_winner(profiles, evse_id, "TxDefault", tx_started, at, supply)
    return None if tx is None else tx[1]


def limit_w(
    profiles: Iterable[ScheduleProfile], evse_id: int, tx_started: float | None, at: float, supply: Supply
) -> float | None:
    """The most the EVSE may deliver at ``at`` by its profiles (None: no profile limits it): the
    lower of the station maximum and its own limit; evse 0 asks for the station maximum alone. What
    it gets while others charge too is its share (``_station_share``)."""
    profiles = tuple(profiles)
    limits = [
        limit
        for limit in (
            station_limit_w(profiles, at, supply),
            point_limit_w(profiles, evse_id, tx_started, at, supply),
        )
        if limit is not None
    ]
    return min(limits) if limits else None


# --- change points and the composite schedule ----------------------------------------------------


def change_offsets(
    profiles: Iterable[ScheduleProfile], tx_started: float | None, at: float, horizon_s: float
) -> set[float]:
    """Seconds after ``at`` (0 < offset < horizon) where some profile's limit may change."""
    offsets: set[float] = set()
    for profile in profiles:
        edges = [profile.valid_from, profile.valid_to]
        start = schedule_start(profile, tx_started, at)
        if start is not None:
            edges += [start + period.start_s for period in profile.periods]
            if profile.duration_s is not None:
                edges.append(start + profile.duration_s)
            if profile.kind == "Recurring":
                edges.append(start + RECURRENCE_S[profile.recurrency or "Daily"])  # the next cycle
        for edge in edges:
            if edge is not None and _EPS < (offset := edge - at) < horizon_s:
                offsets.add(offset)
    return offsets


def next_change_s(
    profiles: Iterable[ScheduleProfile], tx_started: float | None, at: float, horizon_s: float
) -> float | None:
    """Seconds from ``at`` to the next moment the limit may change (None: not within the horizon)."""
    return min(change_offsets(profiles, tx_started, at, horizon_s), default=None)


def composite(
    profiles: Iterable[ScheduleProfile],
    evse_id: int,
    tx_started: float | None,
    at: float,
    duration_s: int,
    supply: Supply,
) -> list[tuple[int, float | None]]:
    """The merged schedule from ``at`` over ``duration_s``: (whole seconds from ``at``, limit in
    watts or None where no profile limits), a new entry only where the limit changes.

    The wire wants whole seconds while a change may fall between two: a whole-second period takes
    the lowest limit in force during it, so the composite never promises more than a profile allows.
    """
    profiles = tuple(profiles)
    changes = sorted(change_offsets(profiles, tx_started, at, duration_s))
    # a change inside a second shapes that second (floor) and the next one starts clean (ceil)
    edges = {edge for offset in changes for edge in (math.floor(offset), math.ceil(offset))}
    grid = sorted({0, *(edge for edge in edges if edge < duration_s)})
    merged: list[tuple[int, float | None]] = []
    for index, second in enumerate(grid):
        end = grid[index + 1] if index + 1 < len(grid) else math.inf
        instants = [float(second), *(offset for offset in changes if second < offset < end)]
        known = [
            value
            for offset in instants
            if (value := limit_w(profiles, evse_id, tx_started, at + offset, supply)) is not None
        ]
        limit = min(known) if known else None
        if merged and merged[-1][1] == limit:
            continue
        merged.append((second, limit))
    return merged
