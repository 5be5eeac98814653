"""Answers to the CALLs an OCPP 1.6 Central System sends: one method per action, chosen from a
table. A handler returns the response and, optionally, work to do after the response is queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import msgspec

from fleet.ocpp import v16
from fleet.station._boot import BootSequence
from fleet.station._dispatch import Handler, Reply
from fleet.station.ocpp16._authorization import Authorizations
from fleet.station.ocpp16._charging import Charging16
from fleet.station.ocpp16._connector import Connector
from fleet.station.ocpp16._context import Context16
from fleet.station.ocpp16._maintenance import Maintenance16
from fleet.station.ocpp16._reservations import Reservations16

DataTransferHandler16 = Callable[[v16.DataTransferRequest], v16.DataTransferResponse]


T = TypeVar("T")


def _unset_to_none(value: T | msgspec.UnsetType) -> T | None:
    return None if isinstance(value, msgspec.UnsetType) else value


class Handlers16:
    def __init__(
        self,
        ctx: Context16,
        charging: Charging16,
        auth: Authorizations,
        boot: BootSequence,
        maintenance: Maintenance16,
    ) -> None:
        self._ctx = ctx
        self._charging = charging
        self._auth = auth
        self._boot = boot
        self._maintenance = maintenance
        self.data_transfer_handlers: dict[str, DataTransferHandler16] = {}

    def table(self) -> dict[str, Handler]:
        """Action -> handler, built when first needed (see fleet.station._dispatch.LazyHandlers)."""
        reservations = Reservations16(self._ctx, self._charging.connectors, self._charging.transactions)
        return {
            "CancelReservation": reservations.cancel_reservation,
            "ChangeAvailability": self.change_availability,
            "ChangeConfiguration": self.change_configuration,
            "ClearCache": self.clear_cache,
            "ClearChargingProfile": self.clear_charging_profile,
            "DataTransfer": self.data_transfer,
            "GetCompositeSchedule": self.get_composite_schedule,
            "GetConfiguration": self.get_configuration,
            "GetDiagnostics": self.get_diagnostics,
            "GetLocalListVersion": self.get_local_list_version,
            "RemoteStartTransaction": self.remote_start_transaction,
            "RemoteStopTransaction": self.remote_stop_transaction,
            "ReserveNow": reservations.reserve_now,
            "Reset": self.reset,
            "SendLocalList": self.send_local_list,
            "SetChargingProfile": self.set_charging_profile,
            "TriggerMessage": self.trigger_message,
            "UnlockConnector": self.unlock_connector,
            "UpdateFirmware": self.update_firmware,
        }

    def _trigger_table(self) -> dict[str, Callable[[list[Connector] | None, float], None]]:
        """Requested message -> send it for these connectors (None: the whole station)."""
        maintenance, boot = self._maintenance, self._boot
        return {
            "BootNotification": self._send_boot,
            "DiagnosticsStatusNotification": lambda _, now: maintenance.send_diagnostics_status(
                now, csms_requested=True
            ),
            "FirmwareStatusNotification": lambda _, now: maintenance.send_firmware_status(
                now, csms_requested=True
            ),
            "Heartbeat": lambda _, now: boot.send_heartbeat(now, csms_requested=True),
            "MeterValues": self._send_meter_values,
            "StatusNotification": self._send_status,
        }

    def _connector(self, connector_id: int) -> Connector | None:
        return self._charging.connectors.get(connector_id)

    def _targets(self, connector_id: int | None) -> list[Connector] | None:
        """Connector 0 (or none given) means all; None when the id is unknown."""
        if connector_id is None or connector_id == 0:
            return list(self._charging.connectors.values())
        connector = self._connector(connector_id)
        return None if connector is None else [connector]

    def _running(self, transaction_id: int) -> Connector | None:
        return next(
            (
                c
                for c in self._charging.connectors.values()
                if c.tx is not None and c.tx.transaction_id == transaction_id
            ),
            None,
        )

    # --- configuration and authorization data ---------------------------------------------------

    def change_configuration(self, request: v16.ChangeConfigurationRequest, now: float) -> Reply:
        status = self._ctx.keys.change(request.key, request.value)

        def apply() -> None:
            self._charging.arm_aligned(now)  # ClockAlignedDataInterval may have gone from 0 to on

        return v16.ChangeConfigurationResponse(status=status), apply

    def get_configuration(self, request: v16.GetConfigurationRequest, now: float) -> Reply:
        return self._ctx.keys.report(_unset_to_none(request.key)), None

    def clear_cache(self, request: v16.ClearCacheRequest, now: float) -> Reply:
        return v16.ClearCacheResponse(status=self._auth.clear_cache()), None

    def get_local_list_version(self, request: v16.GetLocalListVersionRequest, now: float) -> Reply:
        return v16.GetLocalListVersionResponse(list_version=self._auth.list_version_reported()), None

    def send_local_list(self, request: v16.SendLocalListRequest, now: float) -> Reply:
        return v16.SendLocalListResponse(status=self._auth.send_local_list(request)), None

    # --- availability, reset, unlock ----------------------------------------------------------

    def change_availability(self, request: v16.ChangeAvailabilityRequest, now: float) -> Reply:
        targets = self._targets(request.connector_id)
        if targets is None:
            return v16.ChangeAvailabilityResponse(status="Rejected"), None
        operative = request.type == "Operative"
        busy = not operative and any(c.tx is not None for c in targets)

        def apply() -> None:
            self._charging.set_operative(targets, operative, now, station=request.connector_id == 0)

        return v16.ChangeAvailabilityResponse(status="Scheduled" if busy else "Accepted"), apply

    def reset(self, request: v16.ResetRequest, now: float) -> Reply:
        return v16.ResetResponse(status="Accepted"), lambda: self._maintenance.reset(request.type, now)

    def unlock_connector(self, request: v16.UnlockConnectorRequest, now: float) -> Reply:
        connector = self._connector(request.connector_id)
        if connector is None:
            return v16.UnlockConnectorResponse(status="NotSupported"), None
        if connector.lock_faulted:
            return v16.UnlockConnectorResponse(status="UnlockFailed"), None
        # 1.6 5.18: a running transaction is stopped first (reason UnlockCommand)
        transactions = self._charging.transactions
        return v16.UnlockConnectorResponse(status="Unlocked"), lambda: transactions.stop(
            connector, "UnlockCommand", now
        )

    # --- remote control of transactions --------------------------------------------------------

    def remote_start_transaction(self, request: v16.RemoteStartTransactionRequest, now: float) -> Reply:
        profile = _unset_to_none(request.charging_profile)
        connector = self._pick_for_remote_start(_unset_to_none(request.connector_id), request.id_tag)
        if connector is None or (profile is not None and profile.charging_profile_purpose != "TxProfile"):
            return v16.RemoteStartTransactionResponse(status="Rejected"), None
        authorization = self._charging.authorization
        return v16.RemoteStartTransactionResponse(status="Accepted"), lambda: authorization.remote_start(
            connector, request.id_tag, profile, now
        )

    def _pick_for_remote_start(self, connector_id: int | None, id_tag: str) -> Connector | None:
        def free(c: Connector) -> bool:
            return (
                c.operative
                and c.tx is None
                and c.id_tag is None
                and not c.authorizing
                and not (c.faulted or c.lock_faulted or c.needs_unplug)
                and not c.reserved_for_other(id_tag, None)
            )

        if connector_id is not None:
            connector = self._connector(connector_id)
            return connector if connector is not None and free(connector) else None
        candidates = [c for c in self._charging.connectors.values() if free(c)]
        # a driver standing at a plugged-in EV is the likely one the app was used for
        candidates.sort(key=lambda c: (not c.plugged, c.connector_id))
        return candidates[0] if candidates else None

    def remote_stop_transaction(self, request: v16.RemoteStopTransactionRequest, now: float) -> Reply:
        connector = self._running(request.transaction_id)
        if connector is None:
            return v16.RemoteStopTransactionResponse(status="Rejected"), None
        transactions = self._charging.transactions
        return v16.RemoteStopTransactionResponse(status="Accepted"), lambda: transactions.stop(
            connector, "Remote", now
        )

    # --- smart charging ------------------------------------------------------------------------

    def set_charging_profile(self, request: v16.SetChargingProfileRequest, now: float) -> Reply:
        connector = self._connector(request.connector_id)
        tx = None if connector is None else connector.tx
        transaction_id = (
            None if tx is None else (tx.transaction_id if tx.transaction_id is not None else tx.local_id)
        )
        status = self._charging.profiles.install(
            request.connector_id, request.cs_charging_profiles, transaction_id, self._ctx.clock.at(now)
        )
        limits = self._charging.transactions.limits
        return v16.SetChargingProfileResponse(status=status), lambda: limits.profiles_changed(now)

    def clear_charging_profile(self, request: v16.ClearChargingProfileRequest, now: float) -> Reply:
        status = self._charging.profiles.clear(request)
        limits = self._charging.transactions.limits
        return v16.ClearChargingProfileResponse(status=status), lambda: limits.profiles_changed(now)

    def get_composite_schedule(self, request: v16.GetCompositeScheduleRequest, now: float) -> Reply:
        connector = self._connector(request.connector_id)
        tx = None if connector is None else connector.tx
        unit: v16.ChargingRateUnitEnum = _unset_to_none(request.charging_rate_unit) or "W"
        clock = self._ctx.clock
        response = self._charging.profiles.composite(
            request.connector_id,
            request.duration,
            unit,
            None if tx is None else clock.at(tx.started_at),
            clock.at(now),
        )
        return response, None

    # --- firmware and diagnostics --------------------------------------------------------------

    def update_firmware(self, request: v16.UpdateFirmwareRequest, now: float) -> Reply:
        return v16.UpdateFirmwareResponse(), lambda: self._maintenance.update_firmware(request, now)

    def get_diagnostics(self, request: v16.GetDiagnosticsRequest, now: float) -> Reply:
        file_name = self._maintenance.get_diagnostics(request, now)
        return v16.GetDiagnosticsResponse(file_name=file_name), lambda: self._maintenance.start_upload(now)

    # --- TriggerMessage ------------------------------------------------------------------------

    def trigger_message(self, request: v16.TriggerMessageRequest, now: float) -> Reply:
        send = self._trigger_table().get(request.requested_message)
        if send is None:
            return v16.TriggerMessageResponse(status="NotImplemented"), None
        connector_id = _unset_to_none(request.connector_id)
        targets = None if connector_id is None else self._targets(connector_id)
        if connector_id is not None and targets is None:
            return v16.TriggerMessageResponse(status="Rejected"), None
        if request.requested_message == "BootNotification" and self._ctx.channel.registration == "Accepted":
            # like 2.0.1 F06.FR.17: a registered station does not boot again on request
            return v16.TriggerMessageResponse(status="Rejected"), None
        return v16.TriggerMessageResponse(status="Accepted"), lambda: send(targets, now)

    def _send_boot(self, targets: list[Connector] | None, now: float) -> None:
        self._boot.send_boot(now)

    def _send_meter_values(self, targets: list[Connector] | None, now: float) -> None:
        meter_values = self._charging.transactions.meter_values
        for connector in targets if targets is not None else self._charging.connectors.values():
            measurands = self._ctx.settings.sampled_measurands
            meter_values.send(connector, "Trigger", measurands, now, csms_requested=True)

    def _send_status(self, targets: list[Connector] | None, now: float) -> None:
        status = self._charging.status
        if targets is None:
            status.send_station(now, csms_requested=True)
        for connector in targets if targets is not None else self._charging.connectors.values():
            status.send(connector, now, csms_requested=True)

    # --- DataTransfer --------------------------------------------------------------------------

    def data_transfer(self, request: v16.DataTransferRequest, now: float) -> Reply:
        handler = self.data_transfer_handlers.get(request.vendor_id)
        if handler is None:
            return v16.DataTransferResponse(status="UnknownVendorId"), None
        return handler(request), None
