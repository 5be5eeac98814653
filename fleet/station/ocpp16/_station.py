"""The OCPP 1.6J station facade: the same sans-IO shell API and physical inputs as the 2.0.1
``Station``, so the engine, the recorder and the behaviour models drive either.

Shared with 2.0.1: the call channel (one CALL in flight, timeouts, the offline queue of transaction
messages with retries), timers, the wall clock, the meter, boot and heartbeat, incoming-frame
dispatch. 1.6's own: connectors and their status table, configuration keys, authorization list and
cache, StartTransaction/StopTransaction with CSMS-assigned ids, the 1.6 CSMS operations.
"""

from __future__ import annotations

import msgspec

from fleet.ocpp import LocalProtocolError, ocpp16_error_code, v16
from fleet.station._boot import BootSequence
from fleet.station._config import EvseState, StationConfig
from fleet.station._dispatch import IncomingFrames, LazyHandlers
from fleet.station._events import RebootRequested
from fleet.station._lazy_random import RandomBits
from fleet.station._outgoing import OutgoingCall
from fleet.station._shell_api import StationShellApi
from fleet.station.ocpp16._authorization import Authorizations
from fleet.station.ocpp16._charging import FREE_VEND_ID_TAG, Charging16
from fleet.station.ocpp16._configuration import Configuration
from fleet.station.ocpp16._connector import Connector
from fleet.station.ocpp16._context import Context16
from fleet.station.ocpp16._handlers import DataTransferHandler16, Handlers16
from fleet.station.ocpp16._maintenance import Maintenance16
from fleet.station.ocpp16._smart_charging import ChargingProfiles

_MAX_ID_TAG = 20  # CiString20Type
# BootNotification fields narrower in 1.6 than in 2.0.1 (StationConfig checks the 2.0.1 limits)
_BOOT_LIMITS = {"vendor_name": 20, "model": 20}


class Station16(StationShellApi[Context16, Connector]):
    """One OCPP 1.6J charge point, sans-IO; ``evse_id`` in the physical API is the connector id.

    Same contract as ``fleet.station.Station``: call ``connected``/``disconnected``/``receive``/
    ``handle_timer`` with the current time, then drain ``events()`` and ``data_to_send()`` and
    sleep until ``next_deadline()``; on ``RebootRequested`` reconnect and call ``connected``.
    """

    subprotocol = v16.SUBPROTOCOL
    ocpp_version = "1.6"
    security = None  # no device model, no SecurityEventNotification: credentials stay as configured
    _point_noun = "connectors"
    _charging: Charging16

    def __init__(self, config: StationConfig, rng: RandomBits) -> None:
        problems = [
            f"{field} is at most {limit} characters in OCPP 1.6, got {len(getattr(config, field))}"
            for field, limit in _BOOT_LIMITS.items()
            if len(getattr(config, field)) > limit
        ]
        if problems:
            raise ValueError(f"StationConfig({config.station_id!r}) for OCPP 1.6: " + "; ".join(problems))
        self.config = config
        self._ctx = ctx = Context16.create(config, rng)
        self._auth = Authorizations(ctx.settings)
        profiles = ChargingProfiles(
            config.evse_count, config.voltage_v, config.phases, ctx.keys.get_int("ChargeProfileMaxStackLevel")
        )
        self._charging = Charging16(ctx, self._auth, profiles)
        self._points = self._charging.connectors
        self._boot = BootSequence(
            ctx, self._on_accepted, build_request=self._boot_request, heartbeat_request=v16.HeartbeatRequest
        )
        self._maintenance = Maintenance16(ctx, self._charging, self._reboot)
        self._maybe_reboot = self._maintenance.maybe_reboot
        self._handlers = Handlers16(ctx, self._charging, self._auth, self._boot, self._maintenance)
        self._incoming = IncomingFrames(
            ctx.channel,
            ctx.events,
            v16.ACTIONS,
            LazyHandlers(self._handlers.table),
            error_code=ocpp16_error_code,
        )

    # --- read-only state -----------------------------------------------------------------------

    @property
    def configuration(self) -> Configuration:
        return self._ctx.keys

    @property
    def authorizations(self) -> Authorizations:
        return self._auth

    @property
    def charging_profiles(self) -> ChargingProfiles:
        return self._charging.profiles

    @property
    def firmware_version(self) -> str:
        return self._maintenance.firmware_version

    def evse_state(self, evse_id: int) -> EvseState:
        return self._charging.state(self._point(evse_id))

    def charging_limit_w(self, evse_id: int) -> float | None:
        """The smart-charging limit in force on the connector (None: none)."""
        return self._point(evse_id).limit_w

    # --- the shell's side ----------------------------------------------------------------------

    def register_data_transfer_handler(self, vendor_id: str, handler: DataTransferHandler16) -> None:
        """Answer CSMS DataTransfer requests of ``vendor_id`` (others get UnknownVendorId)."""
        self._handlers.data_transfer_handlers[vendor_id] = handler

    # --- the physical world --------------------------------------------------------------------

    # plug_in, unplug, set_ev_demand and set_connector_faulted: StationShellApi

    def present_id_token(self, evse_id: int, id_token: str, token_type: str, now: float) -> None:
        """``token_type`` is 2.0.1's vocabulary, so behaviour models drive both versions:
        "NoAuthorization" (a start button) becomes the free-vend idTag; 1.6 has no other types."""
        self._ctx.channel.observe(now)
        id_tag = FREE_VEND_ID_TAG if token_type == "NoAuthorization" else id_token
        if not id_tag or len(id_tag) > _MAX_ID_TAG:
            raise LocalProtocolError(
                f"id token {id_token!r}: an OCPP 1.6 idTag is 1..{_MAX_ID_TAG} characters; "
                "use a shorter token for 1.6 stations"
            )
        self._charging.present_id_tag(self._point(evse_id), id_tag, now)
        self._maintenance.maybe_reboot(now)

    def send_data_transfer(self, vendor_id: str, message_id: str | None, data: object, now: float) -> None:
        self._ctx.channel.observe(now)
        request = v16.DataTransferRequest(
            vendor_id=vendor_id,
            message_id=message_id if message_id is not None else msgspec.UNSET,
            data=msgspec.json.encode(data).decode()
            if data is not None and not isinstance(data, str)
            else (data if data is not None else msgspec.UNSET),
        )
        self._ctx.channel.send(OutgoingCall("DataTransfer", request, now), now)

    def fail_next_lock(self, evse_id: int) -> None:
        self._point(evse_id).lock_fails_next = True

    # --- internals -----------------------------------------------------------------------------

    def _boot_request(self, reason: str) -> v16.BootNotificationRequest:
        config = self.config
        serial = config.serial_number[:25] if config.serial_number is not None else msgspec.UNSET
        return v16.BootNotificationRequest(
            charge_point_vendor=config.vendor_name,
            charge_point_model=config.model,
            charge_point_serial_number=serial,
            firmware_version=self._maintenance.firmware_version,
        )

    def _on_accepted(self, now: float) -> None:
        self._charging.send_status_snapshot(now)
        self._boot.start_heartbeat(now)
        self._maintenance.after_boot(now)
        self._charging.arm_aligned(now)
        self._ctx.channel.release(now)

    def _reboot(self, reason: str, now: float) -> None:
        self._ctx.events.append(RebootRequested(reason))
        self._ctx.channel.connection_down(now)
        self._boot.power_cycle("FirmwareUpdate" if reason == "FirmwareUpdate" else "RemoteReset")
