"""Answers to the OCPP 2.0.1 operations a CSMS uses to manage stations rather than sessions: smart
charging, reservations, firmware, logs, the local authorization list and the cache. Each handler
returns the response and the work to do after it is queued, like ``_handlers``; the behaviour
lives in the module of each operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from fleet.ocpp import v201
from fleet.station._charging import ChargingController
from fleet.station._context import StationContext
from fleet.station._firmware import FirmwareUpdates
from fleet.station._log_upload import LogUploads
from fleet.station._outgoing import OutgoingCall
from fleet.station._reservations import Reservations

Reply = tuple[msgspec.Struct, Callable[[], None] | None]


class OperatorHandlers:
    def __init__(
        self, ctx: StationContext, charging: ChargingController, firmware: FirmwareUpdates, logs: LogUploads
    ) -> None:
        self._ctx = ctx
        self._charging = charging
        self._reservations = Reservations(ctx, charging)
        self._firmware = firmware
        self._logs = logs

    def table(self) -> dict[str, Callable[[Any, float], Reply]]:
        firmware, logs = self._firmware, self._logs
        return {
            "SetChargingProfile": self.set_charging_profile,
            "ClearChargingProfile": self.clear_charging_profile,
            "GetChargingProfiles": self.get_charging_profiles,
            "GetCompositeSchedule": self.get_composite_schedule,
            "ReserveNow": self._reservations.reserve,
            "CancelReservation": self._reservations.cancel,
            "UpdateFirmware": firmware.update,
            "GetLog": logs.get_log,
            "SendLocalList": self.send_local_list,
            "GetLocalListVersion": self.get_local_list_version,
            "ClearCache": self.clear_cache,
        }

    # --- smart charging ------------------------------------------------------------------------

    def set_charging_profile(self, request: v201.SetChargingProfileRequest, now: float) -> Reply:
        running = {
            evse.evse_id: evse.tx.transaction_id
            for evse in self._charging.evses.values()
            if evse.tx is not None
        }
        response = self._charging.smart.install(request, running, now)
        limits = self._charging.transactions.limits
        after = (lambda: limits.profiles_changed(now)) if response.status == "Accepted" else None
        return response, after

    def clear_charging_profile(self, request: v201.ClearChargingProfileRequest, now: float) -> Reply:
        response = self._charging.smart.clear(request)
        limits = self._charging.transactions.limits
        after = (lambda: limits.profiles_changed(now)) if response.status == "Accepted" else None
        return response, after

    def get_charging_profiles(self, request: v201.GetChargingProfilesRequest, now: float) -> Reply:
        reports = self._charging.smart.report(request)
        if not reports:
            return v201.GetChargingProfilesResponse(status="NoProfiles"), None

        def send_reports() -> None:
            for report in reports:
                call = OutgoingCall("ReportChargingProfiles", report, now, csms_requested=True)
                self._ctx.channel.send(call, now)

        return v201.GetChargingProfilesResponse(status="Accepted"), send_reports

    def get_composite_schedule(self, request: v201.GetCompositeScheduleRequest, now: float) -> Reply:
        evse = self._charging.evses.get(request.evse_id)
        max_power_w = self._ctx.config.max_power_w
        tx_started = now
        if evse is not None and evse.tx is not None:
            tx_started = evse.tx.started_at
        return self._charging.smart.composite(request, tx_started, max_power_w, now), None

    # --- local authorization -------------------------------------------------------------------

    def send_local_list(self, request: v201.SendLocalListRequest, now: float) -> Reply:
        return self._charging.local_auth.send_local_list(request), None

    def get_local_list_version(self, request: v201.GetLocalListVersionRequest, now: float) -> Reply:
        return v201.GetLocalListVersionResponse(version_number=self._charging.local_auth.version()), None

    def clear_cache(self, request: v201.ClearCacheRequest, now: float) -> Reply:
        return self._charging.local_auth.clear_cache(), None
