"""Answers to the CALLs a CSMS sends: one method per action, chosen from a table.

A handler returns the response and, optionally, work to do AFTER the response is queued (so the
CSMS reads "Accepted" before the messages the request causes, e.g. NotifyReport after
GetBaseReportResponse).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from fleet.ocpp import v201
from fleet.station._boot import BootSequence
from fleet.station._charging import ChargingController
from fleet.station._context import StationContext
from fleet.station._evse import CONNECTOR_ID, Evse
from fleet.station._outgoing import OutgoingCall
from fleet.station._reset import ResetScheduler

After = Callable[[], None] | None
Reply = tuple[msgspec.Struct, After]
Handler = Callable[[Any, float], Reply]
DataTransferHandler = Callable[[v201.DataTransferRequest], v201.DataTransferResponse]


def _info(reason_code: str) -> v201.StatusInfo:
    return v201.StatusInfo(reason_code=reason_code)


class RequestHandlers:
    def __init__(
        self, ctx: StationContext, charging: ChargingController, boot: BootSequence, reset: ResetScheduler
    ) -> None:
        self._ctx = ctx
        self._charging = charging
        self._boot = boot
        self._reset = reset
        # set by the station: the firmware and log modules know the state of their work in progress
        self.firmware_status: Callable[[float], None] | None = None
        self.log_status: Callable[[float], None] | None = None
        self.data_transfer_handlers: dict[str, DataTransferHandler] = {}
        # told of every SetVariables result after it is answered (a new password means reconnecting)
        self.on_variables_set: Callable[[v201.SetVariablesResponse], None] | None = None

    def table(self) -> dict[str, Handler]:
        """Action -> handler. Built when the station first gets a CSMS request, not kept here:
        bound methods cost ~1 KB per station, and most stations of a load test are never asked."""
        return {
            "GetVariables": self.get_variables,
            "SetVariables": self.set_variables,
            "GetBaseReport": self.get_base_report,
            "Reset": self.reset,
            "ChangeAvailability": self.change_availability,
            "RequestStartTransaction": self.request_start_transaction,
            "RequestStopTransaction": self.request_stop_transaction,
            "TriggerMessage": self.trigger_message,
            "UnlockConnector": self.unlock_connector,
            "DataTransfer": self.data_transfer,
        }

    def _trigger_table(
        self,
    ) -> dict[str, tuple[Callable[[list[Evse]], bool], Callable[[list[Evse], float], None]]]:
        """Requested message -> (does it apply to these EVSEs?, send it)."""
        return {
            "BootNotification": (self._while_not_accepted, self._send_boot),
            "Heartbeat": (self._always, self._send_heartbeat),
            "StatusNotification": (self._always, self._send_status),
            "MeterValues": (self._always, self._send_meter_values),
            "TransactionEvent": (self._any_transaction, self._send_transaction_event),
            "LogStatusNotification": (self._always, self._send_log_status),
            "FirmwareStatusNotification": (self._always, self._send_firmware_status),
        }

    def _evse_or_none(self, evse_id: int) -> Evse | None:
        return self._charging.evses.get(evse_id)

    # --- device model --------------------------------------------------------------------------

    def get_variables(self, request: v201.GetVariablesRequest, now: float) -> Reply:
        return self._ctx.model.get_variables(request), None

    def set_variables(self, request: v201.SetVariablesRequest, now: float) -> Reply:
        response = self._ctx.model.set_variables(request)
        hook = self.on_variables_set
        return response, (lambda: hook(response)) if hook is not None else None

    def get_base_report(self, request: v201.GetBaseReportRequest, now: float) -> Reply:
        def send_report() -> None:
            items = self._ctx.model.report(request.report_base)
            size = self._ctx.settings.items_per_message
            parts = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
            generated_at = self._ctx.clock.at(now)
            for seq_no, part in enumerate(parts):
                notify = v201.NotifyReportRequest(
                    request_id=request.request_id,
                    generated_at=generated_at,
                    seq_no=seq_no,
                    report_data=part if part else msgspec.UNSET,
                    tbc=seq_no < len(parts) - 1,
                )
                self._ctx.channel.send(OutgoingCall("NotifyReport", notify, now, csms_requested=True), now)

        return v201.GetBaseReportResponse(status="Accepted"), send_report

    # --- reset and availability ----------------------------------------------------------------

    def reset(self, request: v201.ResetRequest, now: float) -> Reply:
        if not isinstance(request.evse_id, msgspec.UnsetType):
            return v201.ResetResponse(status="Rejected", status_info=_info("EvseResetNotSupp")), None
        status = self._reset.request(request.type)
        return v201.ResetResponse(status=status), lambda: self._reset.start(request.type, now)

    def change_availability(self, request: v201.ChangeAvailabilityRequest, now: float) -> Reply:
        operative = request.operational_status == "Operative"
        target = request.evse
        if isinstance(target, msgspec.UnsetType) or target.id == 0:
            evses = list(self._charging.evses.values())
        else:
            evse = self._evse_or_none(target.id)
            if evse is None or target.connector_id not in (msgspec.UNSET, CONNECTOR_ID):
                return v201.ChangeAvailabilityResponse(
                    status="Rejected", status_info=_info("UnknownEvse")
                ), None
            evses = [evse]
        busy = any(evse.tx is not None and not operative for evse in evses)
        status: v201.ChangeAvailabilityStatusEnum = "Scheduled" if busy else "Accepted"

        def apply() -> None:
            for evse in evses:
                self._charging.set_operative(evse, operative, now)

        return v201.ChangeAvailabilityResponse(status=status), apply

    def unlock_connector(self, request: v201.UnlockConnectorRequest, now: float) -> Reply:
        evse = self._evse_or_none(request.evse_id)
        status: v201.UnlockStatusEnum
        if evse is None or request.connector_id != CONNECTOR_ID:
            status = "UnknownConnector"
        elif evse.tx is not None and evse.token is not None:
            status = "OngoingAuthorizedTransaction"
        else:
            status = "Unlocked"
        return v201.UnlockConnectorResponse(status=status), None

    # --- remote control of transactions --------------------------------------------------------

    def request_start_transaction(self, request: v201.RequestStartTransactionRequest, now: float) -> Reply:
        evse = self._pick_evse_for_remote_start(request.evse_id, request.id_token)
        if evse is None:
            response = v201.RequestStartTransactionResponse(
                status="Rejected", status_info=_info("NoFreeEvse")
            )
            return response, None
        response = v201.RequestStartTransactionResponse(
            status="Accepted",
            transaction_id=evse.tx.transaction_id if evse.tx is not None else msgspec.UNSET,
        )
        return response, lambda: self._charging.authorization.authorize(
            evse, request.id_token, request.remote_start_id, now
        )

    def _pick_evse_for_remote_start(
        self, evse_id: int | msgspec.UnsetType, token: v201.IdToken
    ) -> Evse | None:
        def free(evse: Evse) -> bool:
            return (
                evse.operative
                and evse.token is None
                and not evse.authorizing
                and not (evse.lock_faulted or evse.faulted)
                and (evse.reservation is None or evse.reservation.admits(token))
            )

        if not isinstance(evse_id, msgspec.UnsetType):
            evse = self._evse_or_none(evse_id)
            return evse if evse is not None and free(evse) else None
        candidates = [evse for evse in self._charging.evses.values() if free(evse) and not evse.needs_unplug]
        # a driver standing at a plugged-in EV is the likely one the app was used for
        candidates.sort(key=lambda evse: (not evse.plugged, evse.evse_id))
        return candidates[0] if candidates else None

    def request_stop_transaction(self, request: v201.RequestStopTransactionRequest, now: float) -> Reply:
        running = {
            evse.tx.transaction_id: evse for evse in self._charging.evses.values() if evse.tx is not None
        }
        evse = running.get(request.transaction_id)
        if evse is None:
            response = v201.RequestStopTransactionResponse(
                status="Rejected", status_info=_info("UnknownTransaction")
            )
            return response, None
        transactions = self._charging.transactions
        return v201.RequestStopTransactionResponse(status="Accepted"), lambda: transactions.deauthorize(
            evse, "Remote", "RemoteStop", now
        )

    # --- TriggerMessage ------------------------------------------------------------------------

    def trigger_message(self, request: v201.TriggerMessageRequest, now: float) -> Reply:
        trigger = self._trigger_table().get(request.requested_message)
        if trigger is None:
            return v201.TriggerMessageResponse(status="NotImplemented"), None
        if isinstance(request.evse, msgspec.UnsetType) or request.evse.id == 0:
            evses = list(self._charging.evses.values())
        else:
            evse = self._evse_or_none(request.evse.id)
            if evse is None or request.evse.connector_id not in (msgspec.UNSET, CONNECTOR_ID):
                return v201.TriggerMessageResponse(status="Rejected", status_info=_info("UnknownEvse")), None
            evses = [evse]
        applies, send = trigger
        if not applies(evses):
            return v201.TriggerMessageResponse(status="Rejected"), None
        return v201.TriggerMessageResponse(status="Accepted"), lambda: send(evses, now)

    def _always(self, evses: list[Evse]) -> bool:
        return True

    def _while_not_accepted(self, evses: list[Evse]) -> bool:
        # OCPP 2.0.1 F06.FR.17: a registered station refuses to boot again on request
        return self._ctx.channel.registration != "Accepted"

    def _any_transaction(self, evses: list[Evse]) -> bool:
        return any(evse.tx is not None for evse in evses)

    def _send_boot(self, evses: list[Evse], now: float) -> None:
        self._boot.send_boot(now, "Triggered")

    def _send_heartbeat(self, evses: list[Evse], now: float) -> None:
        self._boot.send_heartbeat(now, csms_requested=True)

    def _send_status(self, evses: list[Evse], now: float) -> None:
        for evse in evses:
            self._charging.status.send(evse, now, csms_requested=True)

    def _send_meter_values(self, evses: list[Evse], now: float) -> None:
        ctx = self._ctx
        for evse in evses:
            evse.meter.advance(now)
            sample = evse.meter.sample(ctx.settings.aligned_measurands, "Trigger", ctx.clock.at(now))
            if sample is not None:
                request = v201.MeterValuesRequest(evse_id=evse.evse_id, meter_value=[sample])
                ctx.channel.send(OutgoingCall("MeterValues", request, now, csms_requested=True), now)

    def _send_transaction_event(self, evses: list[Evse], now: float) -> None:
        for evse in evses:
            self._charging.transactions.reporter.triggered(evse, now)

    def _send_log_status(self, evses: list[Evse], now: float) -> None:
        if self.log_status is not None:
            self.log_status(now)
            return
        request = v201.LogStatusNotificationRequest(status="Idle")
        self._ctx.channel.send(OutgoingCall("LogStatusNotification", request, now, csms_requested=True), now)

    def _send_firmware_status(self, evses: list[Evse], now: float) -> None:
        if self.firmware_status is not None:
            self.firmware_status(now)
            return
        request = v201.FirmwareStatusNotificationRequest(status="Idle")
        self._ctx.channel.send(
            OutgoingCall("FirmwareStatusNotification", request, now, csms_requested=True), now
        )

    # --- DataTransfer --------------------------------------------------------------------------

    def data_transfer(self, request: v201.DataTransferRequest, now: float) -> Reply:
        handler = self.data_transfer_handlers.get(request.vendor_id)
        if handler is None:
            return v201.DataTransferResponse(status="UnknownVendorId"), None
        return handler(request), None
