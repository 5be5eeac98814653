"""OCPP 1.6 charging profiles (3.13, 5.16-5.17): stored per connector, stacked, and turned into the
limit the EV may draw. ``limit_w`` is the one seam the charging physics reads.

Simplifications, said here so they are not mistaken for the spec: a ChargePointMaxProfile caps
each connector rather than sharing the station's power between them, and a composite schedule is
reported in the unit asked for, converting amperes with the station's voltage and phases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from fleet.ocpp import v16

Profile = v16.CsChargingProfiles
_RECURRENCE_S = {"Daily": 86_400, "Weekly": 7 * 86_400}


@dataclass(slots=True, eq=False)
class Installed:
    connector_id: int
    profile: Profile
    installed_at: datetime


def _optional(value: datetime | msgspec.UnsetType) -> datetime | None:
    return None if isinstance(value, msgspec.UnsetType) else value


class ChargingProfiles:
    def __init__(self, connectors: int, voltage_v: float, phases: int, max_stack_level: int) -> None:
        self._connectors = connectors
        self._voltage_v = voltage_v
        self._phases = phases
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

    def limit_w(self, connector_id: int, tx_started: datetime | None, at: datetime) -> float | None:
        """The power the connector may deliver at ``at`` (None: no profile limits it).
        ``tx_started``: when its transaction started (None: no transaction, so no Tx profiles)."""
        limits = [self._purpose_limit(connector_id, "ChargePointMaxProfile", tx_started, at)]
        if tx_started is not None:
            tx_limit = self._purpose_limit(connector_id, "TxProfile", tx_started, at)
            if tx_limit is None:
                tx_limit = self._purpose_limit(connector_id, "TxDefaultProfile", tx_started, at)
            limits.append(tx_limit)
        known = [limit for limit in limits if limit is not None]
        return min(known) if known else None

    def _purpose_limit(
        self,
        connector_id: int,
        purpose: v16.ChargingProfilePurposeEnum,
        tx_started: datetime | None,
        at: datetime,
    ) -> float | None:
        best: tuple[int, int, float] | None = None  # (connector specific?, stack level, limit)
        for entry in self.installed:
            profile = entry.profile
            if profile.charging_profile_purpose != purpose or entry.connector_id not in (0, connector_id):
                continue
            limit = self._profile_limit(entry, tx_started, at)
            if limit is None:
                continue
            # a connector's own profile overrides a station-wide one of the same stack level
            rank = (int(entry.connector_id == connector_id), profile.stack_level, limit)
            if best is None or rank[:2] > best[:2]:
                best = rank
        return None if best is None else best[2]

    def _profile_limit(self, entry: Installed, tx_started: datetime | None, at: datetime) -> float | None:
        profile = entry.profile
        valid_from, valid_to = _optional(profile.valid_from), _optional(profile.valid_to)
        if (valid_from is not None and at < valid_from) or (valid_to is not None and at >= valid_to):
            return None
        start = self._schedule_start(entry, tx_started, at)
        if start is None:
            return None
        schedule = profile.charging_schedule
        elapsed = (at - start).total_seconds()
        duration = schedule.duration
        if elapsed < 0 or (not isinstance(duration, msgspec.UnsetType) and elapsed >= duration):
            return None
        current = None
        for period in sorted(schedule.charging_schedule_period, key=lambda p: p.start_period):
            if period.start_period <= elapsed:
                current = period
        if current is None:
            return None
        return self._to_watts(current.limit, schedule.charging_rate_unit, current.number_phases)

    def _schedule_start(self, entry: Installed, tx_started: datetime | None, at: datetime) -> datetime | None:
        profile = entry.profile
        start = _optional(profile.charging_schedule.start_schedule)
        kind = profile.charging_profile_kind
        if kind == "Relative":
            return tx_started
        if kind == "Recurring":
            period = _RECURRENCE_S.get(
                profile.recurrency_kind
                if not isinstance(profile.recurrency_kind, msgspec.UnsetType)
                else "Daily",
                86_400,
            )
            anchor = start if start is not None else entry.installed_at
            cycles = (at - anchor).total_seconds() // period
            return anchor + timedelta(seconds=cycles * period)
        return start if start is not None else _optional(profile.valid_from) or entry.installed_at

    def _to_watts(
        self, limit: float, unit: v16.ChargingRateUnitEnum, phases: int | msgspec.UnsetType
    ) -> float:
        if unit == "W":
            return max(0.0, limit)
        used = self._phases if isinstance(phases, msgspec.UnsetType) else phases
        return max(0.0, limit * self._voltage_v * used)

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
        changes = sorted({0, *self._change_offsets(tx_started, at, duration_s)})
        periods: list[v16.ChargingSchedulePeriod] = []
        for offset in changes:
            limit_w = self.limit_w(connector_id, tx_started, at + timedelta(seconds=offset))
            if limit_w is None:
                continue
            value = limit_w if unit == "W" else limit_w / (self._voltage_v * self._phases)
            value = round(value, 1)
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

    def next_change(self, tx_started: datetime | None, at: datetime, horizon_s: int) -> int | None:
        """Seconds from ``at`` to the next moment a profile may change the limit (None: none)."""
        if not self.installed:
            return None
        return min(self._change_offsets(tx_started, at, horizon_s), default=None)

    def _change_offsets(self, tx_started: datetime | None, at: datetime, duration_s: int) -> set[int]:
        """Seconds from ``at`` where some profile's period (or validity) may change the limit."""
        offsets: set[int] = set()
        for entry in self.installed:
            start = self._schedule_start(entry, tx_started, at)
            profile = entry.profile
            edges = [_optional(profile.valid_from), _optional(profile.valid_to)]
            if start is not None:
                edges += [
                    start + timedelta(seconds=p.start_period)
                    for p in profile.charging_schedule.charging_schedule_period
                ]
                if not isinstance(profile.charging_schedule.duration, msgspec.UnsetType):
                    edges.append(start + timedelta(seconds=profile.charging_schedule.duration))
            for edge in edges:
                if edge is not None and 0 < (offset := int((edge - at).total_seconds())) < duration_s:
                    offsets.add(offset)
        return offsets
