"""The station facade: the sans-IO API a shell drives (bytes and ``now`` in; events, frames and
deadlines out) and the physical inputs behaviour models use."""

from __future__ import annotations

from typing import Self

import msgspec

from fleet.ocpp import LocalProtocolError, v201
from fleet.station._boot import BootSequence
from fleet.station._charging import ChargingController
from fleet.station._config import EvseState, StationConfig
from fleet.station._context import StationContext
from fleet.station._device_model import DeviceModel
from fleet.station._dispatch import Handler, IncomingFrames, LazyHandlers
from fleet.station._events import RebootRequested
from fleet.station._evse import Evse
from fleet.station._firmware import FirmwareUpdates
from fleet.station._handlers import DataTransferHandler, RequestHandlers
from fleet.station._lazy_random import RandomBits
from fleet.station._log_upload import LogUploads
from fleet.station._operations import OperatorHandlers
from fleet.station._outgoing import OutgoingCall
from fleet.station._reset import ResetScheduler
from fleet.station._security_events import SecurityEvents
from fleet.station._shell_api import StationShellApi


class Station(StationShellApi[StationContext, Evse]):
    """One OCPP 2.0.1 charging station, sans-IO.

    The shell calls ``connected``/``disconnected``/``receive``/``handle_timer`` with the current
    time, then drains ``events()`` and ``data_to_send()`` (send the frames in order) and sleeps
    until ``next_deadline()``. On ``RebootRequested`` the shell sends what is queued, closes the
    connection and calls ``connected`` again after reconnecting.
    """

    subprotocol = v201.SUBPROTOCOL  # the WebSocket subprotocol a shell offers for this station
    ocpp_version = "2.0.1"
    _point_noun = "EVSEs"
    _charging: ChargingController

    def __init__(self, config: StationConfig, rng: RandomBits) -> None:
        self._ctx = ctx = StationContext.create(config, rng)
        self._charging = ChargingController(ctx)
        self._points = self._charging.evses
        self._boot = BootSequence(ctx, on_accepted=self._on_accepted)
        self._reset = ResetScheduler(ctx, self._charging, reboot=self._reboot)
        self._maybe_reboot = self._reset.maybe_reboot
        self._handlers = RequestHandlers(ctx, self._charging, self._boot, self._reset)
        self._firmware = FirmwareUpdates(ctx, self._charging, reboot=self._firmware_reboot)
        self._logs = LogUploads(ctx)
        self._handlers.firmware_status = self._firmware.send_status
        self._handlers.log_status = self._logs.send_status
        self._security = SecurityEvents(ctx)
        self._handlers.on_variables_set = self._security.after_set_variables
        handlers = LazyHandlers(self._handler_table)
        self._incoming = IncomingFrames(ctx.channel, ctx.events, v201.ACTIONS, handlers)

    def _handler_table(self) -> dict[str, Handler]:
        operators = OperatorHandlers(self._ctx, self._charging, self._firmware, self._logs)
        # SetVariableMonitoring & co. from the monitor
        return {**self._handlers.table(), **operators.table(), **self._charging.monitor.table()}

    # --- read-only state -----------------------------------------------------------------------

    @property
    def config(self) -> StationConfig:
        """What the station is; a firmware update changes its ``firmware_version``."""
        return self._ctx.config

    @property
    def firmware_version(self) -> str:
        return self._ctx.config.firmware_version

    def charging_limit_w(self, evse_id: int) -> float | None:
        """The smart-charging limit in force on the EVSE (None: no profile limits it)."""
        return self._point(evse_id).limit_w

    @property
    def device_model(self) -> DeviceModel:
        return self._ctx.model

    @property
    def security(self) -> Self:
        """Its security settings live in its device model; it reports security events itself."""
        return self

    def evse_state(self, evse_id: int) -> EvseState:
        self._point(evse_id)
        return self._charging.state(evse_id)

    # --- the shell's side ----------------------------------------------------------------------

    def register_data_transfer_handler(self, vendor_id: str, handler: DataTransferHandler) -> None:
        """Answer CSMS DataTransfer requests of ``vendor_id`` (others get UnknownVendorId)."""
        self._handlers.data_transfer_handlers[vendor_id] = handler

    # --- the physical world --------------------------------------------------------------------

    # plug_in, unplug, set_ev_demand and set_connector_faulted: StationShellApi

    def present_id_token(self, evse_id: int, id_token: str, token_type: str, now: float) -> None:
        self._ctx.channel.observe(now)
        if token_type not in _TOKEN_TYPES or len(id_token) > 36:
            raise LocalProtocolError(
                f"id token {id_token!r} of type {token_type!r}: type must be one of {sorted(_TOKEN_TYPES)} "
                "and the token at most 36 characters"
            )
        self._charging.present_id_token(self._point(evse_id), id_token, token_type, now)
        self._reset.maybe_reboot(now)

    def send_data_transfer(self, vendor_id: str, message_id: str | None, data: object, now: float) -> None:
        self._ctx.channel.observe(now)
        request = v201.DataTransferRequest(
            vendor_id=vendor_id,
            message_id=message_id if message_id is not None else msgspec.UNSET,
            data=data if data is not None else msgspec.UNSET,
        )
        self._ctx.channel.send(OutgoingCall("DataTransfer", request, now), now)

    def report_security_event(self, event_type: str, now: float, tech_info: str | None = None) -> None:
        """A security event (OCPP 2.0.1 appendix 1, e.g. "InvalidCsmsCertificate") the shell saw:
        sent with SecurityEventNotification now, or once the station is back online."""
        self._ctx.channel.observe(now)
        self._security.report(event_type, now, tech_info)

    def fail_next_lock(self, evse_id: int) -> None:
        self._charging.fail_next_lock(self._point(evse_id))

    # --- internals -----------------------------------------------------------------------------

    def _on_accepted(self, now: float) -> None:
        self._charging.send_status_snapshot(now)
        self._boot.start_heartbeat(now)
        self._ctx.channel.release(now)
        self._security.send_waiting(now)
        self._firmware.after_boot(now)

    def _reboot(self, now: float, reason: v201.BootReasonEnum = "RemoteReset") -> None:
        self._ctx.events.append(RebootRequested(reason))
        self._ctx.channel.connection_down(now)
        self._boot.power_cycle(reason)

    def _firmware_reboot(self, now: float) -> None:
        self._reboot(now, "FirmwareUpdate")


_TOKEN_TYPES = frozenset(
    {"Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"}
)
