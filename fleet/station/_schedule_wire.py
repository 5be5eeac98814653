"""From an OCPP message's charging-schedule fields to the version-neutral ``_schedule`` types: the
1.6 and 2.0.1 schedule periods have the same fields, so one translation serves both."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

import msgspec

from fleet.station._schedule import Period

T = TypeVar("T")


class WirePeriod(Protocol):
    """A ``ChargingSchedulePeriod`` of either version."""

    @property
    def start_period(self) -> int: ...
    @property
    def limit(self) -> float: ...
    @property
    def number_phases(self) -> int | msgspec.UnsetType: ...


def periods_from_wire(periods: Iterable[WirePeriod]) -> tuple[Period, ...]:
    return tuple(
        Period(
            start_s=float(period.start_period), limit=period.limit, phases=unset_to_none(period.number_phases)
        )
        for period in periods
    )


def unset_to_none(value: T | msgspec.UnsetType) -> T | None:
    """An optional field as None when the message left it out."""
    return None if isinstance(value, msgspec.UnsetType) else value


def seconds_or_none(value: int | msgspec.UnsetType) -> float | None:
    return None if isinstance(value, msgspec.UnsetType) else float(value)
