"""From an OCPP message's charging-profile fields to the version-neutral ``_schedule`` types: the
1.6 and 2.0.1 profiles, schedules and periods name their fields alike (but for the profile's id
and how many schedules it has), so one translation serves both."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

import msgspec

from fleet.station._schedule import Kind, Period, Purpose, Recurrency, ScheduleProfile, Unit

T = TypeVar("T")


class WirePeriod(Protocol):
    """A ``ChargingSchedulePeriod`` of either version."""

    @property
    def start_period(self) -> int: ...
    @property
    def limit(self) -> float: ...
    @property
    def number_phases(self) -> int | msgspec.UnsetType: ...


class WireSchedule(Protocol):
    """A ``ChargingSchedule`` of either version."""

    @property
    def charging_schedule_period(self) -> Sequence[WirePeriod]: ...
    @property
    def charging_rate_unit(self) -> Unit: ...
    @property
    def start_schedule(self) -> datetime | msgspec.UnsetType: ...
    @property
    def duration(self) -> int | msgspec.UnsetType: ...


class WireProfile(Protocol):
    """The fields a ``ChargingProfile`` of either version names alike."""

    @property
    def stack_level(self) -> int: ...
    @property
    def charging_profile_kind(self) -> Kind: ...
    @property
    def recurrency_kind(self) -> Recurrency | msgspec.UnsetType: ...
    @property
    def valid_from(self) -> datetime | msgspec.UnsetType: ...
    @property
    def valid_to(self) -> datetime | msgspec.UnsetType: ...


def schedule_from_wire(
    profile: WireProfile,
    schedule: WireSchedule,
    *,
    profile_id: int,
    evse_id: int,
    purpose: Purpose,
    seconds: Callable[[datetime], float],
    installed_at: float,
) -> ScheduleProfile:
    """``seconds``: the version's time axis for the schedule arithmetic (2.0.1: station time, 1.6:
    POSIX seconds), which ``installed_at`` is on too."""

    def optional_seconds(at: datetime | msgspec.UnsetType) -> float | None:
        return None if isinstance(at, msgspec.UnsetType) else seconds(at)

    return ScheduleProfile(
        profile_id=profile_id,
        evse_id=evse_id,
        purpose=purpose,
        stack_level=profile.stack_level,
        kind=profile.charging_profile_kind,
        periods=periods_from_wire(schedule.charging_schedule_period),
        unit=schedule.charging_rate_unit,
        recurrency=unset_to_none(profile.recurrency_kind),
        start=optional_seconds(schedule.start_schedule),
        duration_s=seconds_or_none(schedule.duration),
        valid_from=optional_seconds(profile.valid_from),
        valid_to=optional_seconds(profile.valid_to),
        installed_at=installed_at,
    )


def periods_from_wire(periods: Iterable[WirePeriod]) -> tuple[Period, ...]:
    return tuple(
        Period(
            start_s=_seconds(period.start_period),
            limit=period.limit,
            phases=unset_to_none(period.number_phases),
        )
        for period in periods
    )


def unset_to_none(value: T | msgspec.UnsetType) -> T | None:
    """An optional field as None when the message left it out."""
    return None if isinstance(value, msgspec.UnsetType) else value


def seconds_or_none(value: int | msgspec.UnsetType) -> float | None:
    return None if isinstance(value, msgspec.UnsetType) else _seconds(value)


def _seconds(value: int) -> float:
    """Seconds as a float; the schemas bound no integer, and one beyond 2**63 s (longer than any
    run by far, the same "never" for a schedule) would overflow float()."""
    return float(max(-_FAR_S, min(value, _FAR_S)))


_FAR_S = 2**63
