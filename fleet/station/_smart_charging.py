"""OCPP 2.0.1 smart charging (K01 SetChargingProfile, K10 ClearChargingProfile, K09
GetChargingProfiles, K08 GetCompositeSchedule): checks the profiles a CSMS sends, keeps them, and
translates them for the version-neutral schedule arithmetic in ``_schedule``.

A ChargingStationMaxProfile limits the whole station: the EVSEs share it (``_station_share``).
A profile's charging schedules (up to three, ISO 15118 alternatives for the EV to choose from) are
all checked and all used: with no EV here to choose, the lowest limit of them applies.
Simplification, said here so it is not mistaken for the spec: every profile's source is the CSO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

import msgspec

from fleet.ocpp import v201
from fleet.station import _schedule
from fleet.station._context import StationContext
from fleet.station._schedule import Purpose, ScheduleProfile, Supply
from fleet.station._schedule_wire import schedule_from_wire

_PURPOSES: dict[str, Purpose] = {
    "ChargingStationMaxProfile": "StationMax",
    "TxDefaultProfile": "TxDefault",
    "TxProfile": "Tx",
}
_SOURCE: v201.ChargingLimitSourceEnum = "CSO"
_RATE_UNITS = frozenset(get_args(v201.ChargingRateUnitEnum))


@dataclass(slots=True, eq=False)
class InstalledProfile:
    evse_id: int
    profile: v201.ChargingProfile
    schedules: tuple[ScheduleProfile, ...]  # one per charging schedule of the profile

    @property
    def schedule(self) -> ScheduleProfile:
        """The first schedule: purpose, stack level and validity are the profile's, alike in each."""
        return self.schedules[0]


def _info(reason_code: str, additional_info: str) -> v201.StatusInfo:
    return v201.StatusInfo(reason_code=reason_code, additional_info=additional_info[:512])


class SmartCharging:
    def __init__(self, ctx: StationContext) -> None:
        self._ctx = ctx
        self.supply = Supply(voltage_v=ctx.config.voltage_v, phases=ctx.config.phases)
        self.installed: list[InstalledProfile] = []
        self._schedules: tuple[ScheduleProfile, ...] = ()

    # --- the limit (read by the charging controller) -------------------------------------------

    def point_limit_w(self, evse_id: int, tx_started: float | None, now: float) -> float | None:
        """The EVSE's own limit (its transaction's profiles), the station maximum aside."""
        if not self._schedules:
            return None
        return _schedule.point_limit_w(self._schedules, evse_id, tx_started, now, self.supply)

    def station_limit_w(self, now: float) -> float | None:
        """The station maximum in force, which the EVSEs share (``_station_share``)."""
        if not self._schedules:
            return None
        return _schedule.station_limit_w(self._schedules, now, self.supply)

    def next_change_s(self, tx_started: float | None, now: float, horizon_s: float) -> float | None:
        if not self._schedules:
            return None
        return _schedule.next_change_s(self._schedules, tx_started, now, horizon_s)

    def transaction_ended(self, evse_id: int) -> None:
        """A TxProfile lives as long as its transaction (OCPP 2.0.1 K01)."""
        self._keep([e for e in self.installed if not (e.evse_id == evse_id and e.schedule.purpose == "Tx")])

    # --- SetChargingProfile --------------------------------------------------------------------

    def install(
        self, request: v201.SetChargingProfileRequest, running: dict[int, str], now: float
    ) -> v201.SetChargingProfileResponse:
        """``running``: evse id -> the id of the transaction running there."""
        profile, evse_id = request.charging_profile, request.evse_id
        problem = self._problem(profile, evse_id, running, now)
        if problem is not None:
            reason, text = problem
            return v201.SetChargingProfileResponse(status="Rejected", status_info=_info(reason, text))
        schedules = self._translate(evse_id, profile, now)
        schedule = schedules[0]
        kept = [entry for entry in self.installed if entry.profile.id != profile.id]  # replaced by id
        for entry in kept:
            same_slot = (entry.evse_id, entry.schedule.purpose, entry.schedule.stack_level) == (
                evse_id,
                schedule.purpose,
                schedule.stack_level,
            )
            if same_slot and _overlap(entry.schedule, schedule):
                return v201.SetChargingProfileResponse(
                    status="Rejected",
                    status_info=_info(
                        "DuplicateProfile",
                        f"profile {entry.profile.id} already has stackLevel {schedule.stack_level} for "
                        f"{profile.charging_profile_purpose} on EVSE {evse_id}: use its id to replace it",
                    ),
                )
        self._keep([*kept, InstalledProfile(evse_id, profile, schedules)])
        return v201.SetChargingProfileResponse(status="Accepted")

    def _problem(
        self, profile: v201.ChargingProfile, evse_id: int, running: dict[int, str], now: float
    ) -> tuple[str, str] | None:
        model = self._ctx.model
        purpose = profile.charging_profile_purpose
        tx_missing = evse_id not in running or profile.transaction_id != running[evse_id]
        max_level = model.get_int("SmartChargingCtrlr", "ProfileStackLevel", 10)
        checks: tuple[tuple[bool, str, str], ...] = (
            (not model.get_bool("SmartChargingCtrlr", "Enabled", True), "NotEnabled",
             "SmartChargingCtrlr.Enabled is false"),
            (evse_id < 0 or evse_id > self._ctx.config.evse_count, "UnknownEvse",
             f"evseId {evse_id}: the station has EVSEs 1..{self._ctx.config.evse_count} (0: all)"),
            (purpose not in _PURPOSES, "InvalidProfile", f"{purpose} cannot be set by the CSMS"),
            (purpose == "ChargingStationMaxProfile" and evse_id != 0, "InvalidProfile",
             "a ChargingStationMaxProfile goes on evseId 0"),
            (purpose == "TxProfile" and evse_id == 0, "InvalidProfile", "a TxProfile needs an EVSE"),
            (purpose == "TxProfile" and tx_missing,
             "TxNotFound", f"no transaction {profile.transaction_id or '(none)'} runs on EVSE {evse_id}"),
            (not 0 <= profile.stack_level <= max_level, "InvalidStackLevel",
             f"stackLevel {profile.stack_level} is beyond SmartChargingCtrlr.ProfileStackLevel {max_level}"),
        )  # fmt: skip
        problem = next(((reason, text) for failed, reason, text in checks if failed), None)
        for index, schedule in enumerate(profile.charging_schedule):
            problem = problem or _schedule_problem(profile.charging_profile_kind, schedule, index)
        expired = (
            not isinstance(profile.valid_to, msgspec.UnsetType)
            and self._station_time(profile.valid_to) <= now
        )
        return problem or (("InvalidSchedule", "validTo is in the past") if expired else None)

    def _translate(
        self, evse_id: int, profile: v201.ChargingProfile, now: float
    ) -> tuple[ScheduleProfile, ...]:
        return tuple(
            schedule_from_wire(
                profile,
                schedule,
                profile_id=profile.id,
                evse_id=evse_id,
                purpose=_PURPOSES[profile.charging_profile_purpose],
                seconds=self._station_time,
                installed_at=now,
            )
            for schedule in profile.charging_schedule
        )

    # --- ClearChargingProfile ------------------------------------------------------------------

    def clear(self, request: v201.ClearChargingProfileRequest) -> v201.ClearChargingProfileResponse:
        criteria = request.charging_profile_criteria

        def matches(entry: InstalledProfile) -> bool:
            if not isinstance(request.charging_profile_id, msgspec.UnsetType):
                return entry.profile.id == request.charging_profile_id
            if isinstance(criteria, msgspec.UnsetType):
                return True
            wanted = (criteria.evse_id, criteria.charging_profile_purpose, criteria.stack_level)
            have = (entry.evse_id, entry.profile.charging_profile_purpose, entry.profile.stack_level)
            return all(isinstance(w, msgspec.UnsetType) or w == h for w, h in zip(wanted, have, strict=True))

        kept = [entry for entry in self.installed if not matches(entry)]
        status: v201.ClearChargingProfileStatusEnum = (
            "Accepted" if len(kept) < len(self.installed) else "Unknown"
        )
        self._keep(kept)
        return v201.ClearChargingProfileResponse(status=status)

    # --- GetChargingProfiles -------------------------------------------------------------------

    def report(self, request: v201.GetChargingProfilesRequest) -> list[v201.ReportChargingProfilesRequest]:
        """The ReportChargingProfiles messages answering the request, one per EVSE (empty: none)."""
        criterion = request.charging_profile

        def matches(entry: InstalledProfile) -> bool:
            profile = entry.profile
            checks = (
                isinstance(request.evse_id, msgspec.UnsetType) or request.evse_id == entry.evse_id,
                isinstance(criterion.charging_profile_purpose, msgspec.UnsetType)
                or criterion.charging_profile_purpose == profile.charging_profile_purpose,
                isinstance(criterion.stack_level, msgspec.UnsetType)
                or criterion.stack_level == profile.stack_level,
                isinstance(criterion.charging_profile_id, msgspec.UnsetType)
                or profile.id in criterion.charging_profile_id,
                isinstance(criterion.charging_limit_source, msgspec.UnsetType)
                or _SOURCE in criterion.charging_limit_source,
            )
            return all(checks)

        by_evse: dict[int, list[v201.ChargingProfile]] = {}
        for entry in self.installed:
            if matches(entry):
                by_evse.setdefault(entry.evse_id, []).append(entry.profile)
        evse_ids = sorted(by_evse)
        return [
            v201.ReportChargingProfilesRequest(
                request_id=request.request_id,
                charging_limit_source=_SOURCE,
                charging_profile=by_evse[evse_id],
                evse_id=evse_id,
                tbc=True if index < len(evse_ids) - 1 else msgspec.UNSET,
            )
            for index, evse_id in enumerate(evse_ids)
        ]

    # --- GetCompositeSchedule ------------------------------------------------------------------

    def composite(
        self,
        request: v201.GetCompositeScheduleRequest,
        tx_started: float | None,
        max_power_w: float,
        now: float,
    ) -> v201.GetCompositeScheduleResponse:
        """The merged limit of ``request.evse_id`` (0: the station maximum) over the duration, in the
        asked unit (default W); where no profile limits, the EVSE's own maximum (``max_power_w``).
        ``tx_started``: the running transaction's start, else ``now`` (what a session would get)."""
        evse_id, duration = request.evse_id, request.duration
        if not 0 <= evse_id <= self._ctx.config.evse_count or duration <= 0:
            return v201.GetCompositeScheduleResponse(
                status="Rejected",
                status_info=_info(
                    "UnknownEvse" if duration > 0 else "InvalidDuration",
                    f"evseId {evse_id}, duration {duration}",
                ),
            )
        unit: v201.ChargingRateUnitEnum = (
            "W" if isinstance(request.charging_rate_unit, msgspec.UnsetType) else request.charging_rate_unit
        )
        merged = _schedule.composite(self._schedules, evse_id, tx_started, now, duration, self.supply)
        periods = [
            v201.ChargingSchedulePeriod(
                start_period=offset,
                limit=round(
                    self.supply.in_unit(max_power_w if limit is None else min(limit, max_power_w), unit), 1
                ),
            )
            for offset, limit in merged
        ]
        deduplicated = [p for i, p in enumerate(periods) if i == 0 or p.limit != periods[i - 1].limit]
        return v201.GetCompositeScheduleResponse(
            status="Accepted",
            schedule=v201.CompositeSchedule(
                charging_schedule_period=deduplicated,
                evse_id=evse_id,
                duration=duration,
                schedule_start=self._ctx.clock.at(now),
                charging_rate_unit=unit,
            ),
        )

    # --- internals -----------------------------------------------------------------------------

    def _keep(self, installed: list[InstalledProfile]) -> None:
        self.installed = installed
        self._schedules = tuple(schedule for entry in installed for schedule in entry.schedules)

    def _station_time(self, at: datetime) -> float:
        return at.timestamp() - self._ctx.clock.epoch


def _schedule_problem(
    kind: v201.ChargingProfileKindEnum, schedule: v201.ChargingSchedule, index: int
) -> tuple[str, str] | None:
    """What is wrong with the profile's ``index``-th charging schedule (None: nothing)."""
    periods = schedule.charging_schedule_period
    starts = [period.start_period for period in periods]
    checks: tuple[tuple[bool, str], ...] = (
        (schedule.charging_rate_unit not in _RATE_UNITS, "unknown chargingRateUnit"),
        (starts[0] != 0 or starts != sorted(set(starts)), "periods must start at 0 and ascend, no repeats"),
        (any(period.limit < 0 for period in periods), "a limit is negative"),
        (kind == "Relative" and not isinstance(schedule.start_schedule, msgspec.UnsetType),
         "a Relative profile has no startSchedule"),
        (kind == "Recurring" and isinstance(schedule.start_schedule, msgspec.UnsetType),
         "a Recurring profile needs startSchedule"),
    )  # fmt: skip
    where = f"chargingSchedule[{index}] (id {schedule.id}): "
    return next((("InvalidSchedule", where + text) for failed, text in checks if failed), None)


def _overlap(a: ScheduleProfile, b: ScheduleProfile) -> bool:
    def window(p: ScheduleProfile) -> tuple[float, float]:
        return (
            -math.inf if p.valid_from is None else p.valid_from,
            math.inf if p.valid_to is None else p.valid_to,
        )

    (a_from, a_to), (b_from, b_to) = window(a), window(b)
    return a_from < b_to and b_from < a_to
