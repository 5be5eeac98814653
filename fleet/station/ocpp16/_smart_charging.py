"""OCPP 1.6 charging profiles (3.13, 5.16-5.17): stored per connector, stacked, and turned into the
limit the EV may draw. ``limit_w`` is the one seam the charging physics reads; the schedule
arithmetic itself (stacking, periods, recurrence, composites) is the version-neutral ``_schedule``.

A ChargePointMaxProfile limits the whole charge point: the connectors share it
(``_station_share``). Simplification, said here so it is not mistaken for the spec: a composite
schedule is reported in the unit asked for, converting amperes with the station's voltage and phases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from fleet.ocpp import v16
from fleet.station import _schedule
from fleet.station._schedule import Purpose, ScheduleProfile, Supply
from fleet.station._schedule_wire import schedule_from_wire

Profile = v16.CsChargingProfiles
_PURPOSES: dict[str, Purpose] = {
    "ChargePointMaxProfile": "StationMax",
    "TxDefaultProfile": "TxDefault",
    "TxProfile": "Tx",
}


@dataclass(slots=True, eq=False)
class Installed:
    connector_id: int
    profile: Profile
    installed_at: datetime
    schedule: ScheduleProfile = field(init=False)

    def __post_init__(self) -> None:
        self.schedule = _translate(self.connector_id, self.profile, self.installed_at)


class ChargingProfiles:
    def __init__(self, connectors: int, voltage_v: float, phases: int, max_stack_level: int) -> None:
        self._connectors = connectors
        self._supply = Supply(voltage_v=voltage_v, phases=phases)
        self._max_stack_level = max_stack_level
        self.installed: list[Installed] = []

    # --- CSMS requests -------------------------------------------------------------------------

    def install(
        self, connector_id: int, profile: Profile, transaction_id: int | None, at: datetime
    ) -> v16.SetChargingProfileStatusEnum:
        """``transaction_id``: the transaction running on the connector (None: none)."""
        purpose = profile.charging_profile_purpose
        if not 0 <= connector_id <= self._connectors or profile.stack_level > self._max_stack_level:
            return "Rejected"
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return "Rejected"
        if purpose == "TxProfile":
            wanted = profile.transaction_id
            if connector_id == 0 or transaction_id is None:
                return "Rejected"  # 1.6 5.16.3: a TxProfile needs a running transaction
            if not isinstance(wanted, msgspec.UnsetType) and wanted != transaction_id:
                return "Rejected"
        self.installed = [
            entry
            for entry in self.installed
            if entry.profile.charging_profile_id != profile.charging_profile_id
            and not (
                entry.connector_id == connector_id
                and entry.profile.stack_level == profile.stack_level
                and entry.profile.charging_profile_purpose == purpose
            )
        ]
        self.installed.append(Installed(connector_id, profile, at))
        return "Accepted"

    def clear(self, request: v16.ClearChargingProfileRequest) -> v16.ClearChargingProfileStatusEnum:
        def matches(entry: Installed) -> bool:
            if not isinstance(request.id, msgspec.UnsetType):
                return entry.profile.charging_profile_id == request.id
            checks = (
                (request.connector_id, entry.connector_id),
                (request.charging_profile_purpose, entry.profile.charging_profile_purpose),
                (request.stack_level, entry.profile.stack_level),
            )
            return all(isinstance(wanted, msgspec.UnsetType) or wanted == have for wanted, have in checks)

        kept = [entry for entry in self.installed if not matches(entry)]
        cleared = len(kept) != len(self.installed)
        self.installed = kept
        return "Accepted" if cleared else "Unknown"

    def transaction_ended(self, connector_id: int) -> None:
        """A TxProfile lives as long as its transaction (1.6 3.13.3)."""
        self.installed = [
            entry
            for entry in self.installed
            if not (
                entry.connector_id == connector_id and entry.profile.charging_profile_purpose == "TxProfile"
            )
        ]

    # --- the limit -----------------------------------------------------------------------------

    def point_limit_w(self, connector_id: int, tx_started: datetime | None, at: datetime) -> float | None:
        """The connector's own limit at ``at``, the charge point maximum aside (None: no profile
        limits it). ``tx_started``: when its transaction started (None: none, so no Tx profiles)."""
        if not self.installed:
            return None
        return _schedule.point_limit_w(
            self._schedules(), connector_id, _seconds(tx_started), at.timestamp(), self._supply
        )

    def station_limit_w(self, at: datetime) -> float | None:
        """The ChargePointMaxProfile's limit at ``at``, which the connectors share."""
        if not self.installed:
            return None
        return _schedule.station_limit_w(self._schedules(), at.timestamp(), self._supply)

    # --- GetCompositeSchedule ------------------------------------------------------------------

    def composite(
        self,
        connector_id: int,
        duration_s: int,
        unit: v16.ChargingRateUnitEnum,
        tx_started: datetime | None,
        at: datetime,
    ) -> v16.GetCompositeScheduleResponse:
        if not 0 <= connector_id <= self._connectors or duration_s < 0:
            return v16.GetCompositeScheduleResponse(status="Rejected")
        merged = _schedule.composite(
            self._schedules(), connector_id, _seconds(tx_started), at.timestamp(), duration_s, self._supply
        )
        periods: list[v16.ChargingSchedulePeriod] = []
        for offset, limit_w in merged:
            if limit_w is None:
                continue
            value = round(self._supply.in_unit(limit_w, unit), 1)
            if periods and periods[-1].limit == value:
                continue
            periods.append(v16.ChargingSchedulePeriod(start_period=offset, limit=value))
        if not periods:
            return v16.GetCompositeScheduleResponse(status="Rejected")
        return v16.GetCompositeScheduleResponse(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=at,
            charging_schedule=v16.ChargingSchedule(
                charging_rate_unit=unit,
                charging_schedule_period=periods,
                duration=duration_s,
                start_schedule=at,
            ),
        )

    def next_change(self, tx_started: datetime | None, at: datetime, horizon_s: int) -> float | None:
        """Seconds from ``at`` to the next moment a profile may change the limit (None: none)."""
        if not self.installed:
            return None
        return _schedule.next_change_s(self._schedules(), _seconds(tx_started), at.timestamp(), horizon_s)

    def _schedules(self) -> tuple[ScheduleProfile, ...]:
        return tuple(entry.schedule for entry in self.installed)


def _seconds(at: datetime | None) -> float | None:
    """The schedule arithmetic's time axis for 1.6: POSIX seconds of the station's wall clock."""
    return None if at is None else at.timestamp()


def _translate(connector_id: int, profile: Profile, installed_at: datetime) -> ScheduleProfile:
    return schedule_from_wire(
        profile,
        profile.charging_schedule,
        profile_id=profile.charging_profile_id,
        evse_id=connector_id,
        purpose=_PURPOSES[profile.charging_profile_purpose],
        seconds=datetime.timestamp,
        installed_at=installed_at.timestamp(),
    )
