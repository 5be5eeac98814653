"""The charging side of a station: EV, driver and CSMS inputs per EVSE, turned into transactions,
status notifications and monitoring events.

Every input mutates the EVSE, then ``_reconcile`` compares the EVSE with the rule tables in
``_evse`` and emits what changed. The tables decide; this module only sequences.
"""

from __future__ import annotations

from collections.abc import Callable

from fleet.ocpp import v201
from fleet.station._config import EvseState
from fleet.station._context import StationContext
from fleet.station._events import ConnectorStatusChanged
from fleet.station._evse import CONNECTOR_ID, Evse
from fleet.station._local_auth import LocalAuthorization
from fleet.station._meter import Meter
from fleet.station._monitoring import Monitor
from fleet.station._outgoing import OutgoingCall
from fleet.station._smart_charging import SmartCharging
from fleet.station._transactions import TransactionReporter

# an updated event is sent for these triggers even when the charging state did not change
_ALWAYS_REPORTED = frozenset({"StopAuthorized", "RemoteStop", "Deauthorized", "RemoteStart", "Authorized"})


# how far ahead the next change of a charging schedule is looked for (a timer is armed for it)
_SCHEDULE_HORIZON_S = 7 * 86_400.0


def _connect_timer(evse_id: int) -> tuple[str, int]:
    return ("ev-connect-timeout", evse_id)


def _limit_timer(evse_id: int) -> tuple[str, int]:
    return ("charging-limit", evse_id)


class ChargingController:
    def __init__(self, ctx: StationContext) -> None:
        self._ctx = ctx
        config = ctx.config
        self.evses: dict[int, Evse] = {
            evse_id: Evse(
                evse_id,
                config.max_power_w,
                Meter.for_station(config),
            )
            for evse_id in range(1, config.evse_count + 1)
        }
        self.monitor = Monitor(ctx)
        self.reporter = TransactionReporter(ctx, self.evses, self._on_transaction_response)
        self.smart = SmartCharging(ctx)
        self.local_auth = LocalAuthorization(ctx.model)

    def evse(self, evse_id: int) -> Evse:
        try:
            return self.evses[evse_id]
        except KeyError:
            raise ValueError(
                f"station {self._ctx.config.station_id!r} has EVSEs 1..{len(self.evses)}, not {evse_id}"
            ) from None

    @property
    def has_transactions(self) -> bool:
        return any(evse.tx is not None for evse in self.evses.values())

    def state(self, evse_id: int) -> EvseState:
        evse = self.evse(evse_id)
        return EvseState(
            evse_id=evse_id,
            connector_status=evse.connector_status(),
            transaction_id=evse.tx.transaction_id if evse.tx is not None else None,
            charging_state=evse.charging_state(),
            energy_wh=evse.meter.energy_wh,
            power_w=evse.meter.power_w,
        )

    # --- the physical world -------------------------------------------------------------------

    def plug_in(self, evse: Evse, now: float) -> None:
        if evse.plugged:
            return
        evse.plugged = True
        self._ctx.timers.cancel(_connect_timer(evse.evse_id))
        if evse.token is not None:
            self._close_power_path(evse, now)
        self._reconcile(evse, "CablePluggedIn", now)

    def unplug(self, evse: Evse, now: float) -> None:
        if not evse.plugged:
            return
        evse.plugged = False
        evse.needs_unplug = False
        if evse.lock_faulted:
            evse.lock_faulted = False
            self.monitor.lock_problem(evse.evse_id, False, now)
        if evse.tx is None:
            evse.token = None  # the driver walked away before a session started
        self._reconcile(evse, "EVCommunicationLost", now)

    def set_ev_demand(
        self,
        evse: Evse,
        power_w: float,
        soc_percent: float | None,
        now: float,
        phases: int | None = None,
        dc_voltage_v: float | None = None,
    ) -> None:
        evse.meter.set_ev_readings(now, soc_percent, phases, dc_voltage_v)
        evse.ev_demand_w = max(0.0, power_w)
        self._reconcile(evse, "ChargingStateChanged", now)

    def present_id_token(self, evse: Evse, id_token: str, token_type: str, now: float) -> None:
        token = v201.IdToken(id_token=id_token, type=token_type)  # type: ignore[arg-type]
        if evse.token is not None:
            if (evse.token.id_token, evse.token.type) != (token.id_token, token.type):
                return  # someone else's session
            if evse.tx is not None:
                self._deauthorize(evse, "Local", "StopAuthorized", now)
            else:
                evse.token = None  # changed their mind before a session started
                self._ctx.timers.cancel(_connect_timer(evse.evse_id))
            return
        if evse.authorizing or not evse.operative or evse.lock_faulted or evse.faulted or evse.needs_unplug:
            return
        if evse.reservation is not None and not evse.reservation.admits(token):
            return  # reserved for another driver: not even asked about (H01)
        self._authorize(evse, token, None, now)

    # --- authorization -------------------------------------------------------------------------

    def _authorize(self, evse: Evse, token: v201.IdToken, remote_start_id: int | None, now: float) -> None:
        settings = self._ctx.settings
        ask_csms = (
            token.type != "NoAuthorization"
            and settings.auth_enabled
            and (remote_start_id is None or settings.authorize_remote_start)
        )
        local = self.local_auth
        if ask_csms and not self._ctx.channel.is_online:
            self._authorize_offline(evse, token, remote_start_id, now)
            return
        if not ask_csms or local.pre_authorized(token, self._ctx.clock.at(now)):
            self._grant(evse, token, remote_start_id, now)
            return
        evse.authorizing = True

        def on_result(response: v201.AuthorizeResponse, at: float) -> None:
            evse.authorizing = False
            local.remember(token, response.id_token_info, self._ctx.clock.at(at))
            if response.id_token_info.status == "Accepted":
                self._grant(evse, token, remote_start_id, at)
            else:
                self._authorization_refused(evse, at)

        def on_failure(code: str, at: float) -> None:
            evse.authorizing = False
            if code in ("ConnectionLost", "Offline"):
                self._authorize_offline(evse, token, remote_start_id, at)
            else:
                self._authorization_refused(evse, at)

        request = v201.AuthorizeRequest(id_token=token)
        self._ctx.channel.send(OutgoingCall("Authorize", request, now, on_result, on_failure), now)

    def _authorize_offline(
        self, evse: Evse, token: v201.IdToken, remote_start_id: int | None, now: float
    ) -> None:
        # the local list, the cache and OfflineTxForUnknownIdEnabled decide (C12, C15)
        if self.local_auth.offline_allows(token, self._ctx.clock.at(now)):
            self._grant(evse, token, remote_start_id, now)

    def _grant(self, evse: Evse, token: v201.IdToken, remote_start_id: int | None, now: float) -> None:
        if evse.token is not None:
            return
        evse.token = token
        evse.remote_start_id = remote_start_id
        if evse.tx is not None and remote_start_id is not None:
            evse.tx.remote_start_id = remote_start_id
        if evse.tx is not None:
            self._use_reservation(evse)
        if evse.plugged:
            self._close_power_path(evse, now)
        elif (timeout := self._ctx.settings.ev_connection_timeout) > 0:
            self._ctx.timers.set(_connect_timer(evse.evse_id), now + timeout, self._connect_timeout(evse))
        self._reconcile(evse, "RemoteStart" if remote_start_id is not None else "Authorized", now)

    def _authorization_refused(self, evse: Evse, now: float) -> None:
        if evse.tx is not None and evse.token is None and self._ctx.settings.stop_tx_on_invalid_id:
            evse.tx.deauth_reason = "DeAuthorized"
            self._reconcile(evse, "Deauthorized", now)

    def _deauthorize(
        self, evse: Evse, reason: v201.ReasonEnum, trigger: v201.TriggerReasonEnum, now: float
    ) -> None:
        evse.token = None
        self._ctx.timers.cancel(_connect_timer(evse.evse_id))
        if evse.tx is not None:
            evse.tx.deauth_reason = reason
        self._reconcile(evse, trigger, now)

    def _on_transaction_response(
        self, evse: Evse, transaction_id: str, response: v201.TransactionEventResponse, now: float
    ) -> None:
        info = response.id_token_info
        if isinstance(info, v201.IdTokenInfo) and evse.token is not None:
            self.local_auth.remember(evse.token, info, self._ctx.clock.at(now))
        if isinstance(info, v201.IdTokenInfo) and info.status != "Accepted":
            tx = evse.tx
            if tx is None or tx.transaction_id != transaction_id or evse.token is None:
                return
            if self._ctx.settings.stop_tx_on_invalid_id:
                self._deauthorize(evse, "DeAuthorized", "Deauthorized", now)
            else:
                tx.id_rejected = True
                self._reconcile(evse, "ChargingStateChanged", now)

    def _connect_timeout(self, evse: Evse) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            if not evse.plugged and evse.token is not None:
                self._deauthorize(evse, "Timeout", "EVConnectTimeout", deadline)

        return fire

    def _close_power_path(self, evse: Evse, now: float) -> None:
        if evse.lock_fails_next:
            evse.lock_fails_next = False
            evse.lock_faulted = True
            self.monitor.lock_problem(evse.evse_id, True, now)

    def fail_next_lock(self, evse: Evse) -> None:
        evse.lock_fails_next = True

    def set_faulted(self, evse: Evse, faulted: bool, now: float) -> None:
        """A connector fault: status Faulted and a Connector.Problem alert (NotifyEvent), a running
        session is suspended (SuspendedEVSE) until it clears; cleared, the status is derived again."""
        if evse.faulted == faulted:
            return
        evse.faulted = faulted
        self._reconcile(evse, "AbnormalCondition" if faulted else "ChargingStateChanged", now)
        self.monitor.connector_problem(evse.evse_id, faulted, now)

    # --- CSMS requests -------------------------------------------------------------------------

    def remote_start(self, evse: Evse, token: v201.IdToken, remote_start_id: int, now: float) -> None:
        self._authorize(evse, token, remote_start_id, now)

    def remote_stop(self, evse: Evse, now: float) -> None:
        self._deauthorize(evse, "Remote", "RemoteStop", now)

    def end_all(self, reason: v201.ReasonEnum, trigger: v201.TriggerReasonEnum, now: float) -> None:
        for evse in self.evses.values():
            if evse.tx is not None:
                evse.tx.forced_reason = reason
                self._reconcile(evse, trigger, now)

    def set_operative(self, evse: Evse, operative: bool, now: float) -> bool:
        """Apply or schedule an availability change; True when it had to be scheduled."""
        if evse.tx is not None and not operative:
            evse.scheduled_operative = False
            return True
        evse.operative = operative
        evse.scheduled_operative = None
        self.sync_status(evse, now)
        return False

    # --- reconciling state with the tables -----------------------------------------------------

    def _reconcile(self, evse: Evse, trigger: v201.TriggerReasonEnum, now: float) -> None:
        settings = self._ctx.settings
        evse.meter.advance(now)
        self._apply_limit(evse, now)
        tx = evse.tx
        if tx is None:
            if evse.may_start(settings.tx_start_points):
                tx = evse.tx = self.reporter.new_transaction(evse, now)
                tx.started_at = now
                self._use_reservation(evse)
                self._apply_limit(evse, now)  # Relative schedules start with the transaction
                evse.meter.set_power(evse.power_w(), now)
                self.reporter.started(evse, tx, trigger, now)
            else:
                evse.meter.set_power(0.0, now)
        else:
            tx.ev_was_connected = tx.ev_was_connected or evse.plugged
            reason = evse.stop_reason(settings.tx_stop_points, settings.stop_tx_on_ev_side_disconnect)
            if reason is not None:
                self._end(evse, trigger, reason, now)
            else:
                evse.meter.set_power(evse.power_w(), now)
                token_news = evse.token is not None and not tx.token_reported
                if (
                    token_news
                    or trigger in _ALWAYS_REPORTED
                    or evse.charging_state() != tx.reported_charging_state
                ):
                    self.reporter.updated(evse, tx, trigger, now)
        self.sync_status(evse, now)

    def _end(self, evse: Evse, trigger: v201.TriggerReasonEnum, reason: v201.ReasonEnum, now: float) -> None:
        tx = evse.tx
        assert tx is not None
        evse.meter.set_power(0.0, now)
        evse.token = None
        self.reporter.ended(evse, tx, trigger, reason, now)
        evse.tx = None
        self.smart.transaction_ended(evse.evse_id)
        self._apply_limit(evse, now)
        evse.remote_start_id = None
        evse.needs_unplug = evse.plugged
        self._ctx.timers.cancel(_connect_timer(evse.evse_id))
        if evse.scheduled_operative is not None:
            evse.operative, evse.scheduled_operative = evse.scheduled_operative, None
        self.sync_status(evse, now)

    # --- smart charging and reservations -------------------------------------------------------

    def _apply_limit(self, evse: Evse, now: float) -> None:
        """The seam to smart charging: the limit in force now, and a timer for when it may change."""
        smart = self.smart
        if not smart.installed and evse.limit_w is None:
            return  # the common case: no profile was ever in force here
        tx_started = evse.tx.started_at if evse.tx is not None else None
        evse.limit_w = smart.limit_w(evse.evse_id, tx_started, now)
        change = smart.next_change_s(tx_started, now, _SCHEDULE_HORIZON_S)
        if change is None:
            self._ctx.timers.cancel(_limit_timer(evse.evse_id))
        else:
            self._ctx.timers.set(_limit_timer(evse.evse_id), now + change, self._limit_changes(evse))

    def _limit_changes(self, evse: Evse) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            self._reconcile(evse, "ChargingRateChanged", deadline)

        return fire

    def apply_limits(self, now: float) -> None:
        """Profiles were set or cleared: every EVSE takes its new limit now."""
        for evse in self.evses.values():
            self._reconcile(evse, "ChargingRateChanged", now)

    def _use_reservation(self, evse: Evse) -> None:
        """A transaction of the reserved driver ends the reservation (H01: it is used)."""
        reservation, tx = evse.reservation, evse.tx
        if reservation is None or tx is None or evse.token is None or not reservation.admits(evse.token):
            return
        tx.reservation_id = reservation.reservation_id
        evse.reservation = None

    # --- status --------------------------------------------------------------------------------

    def sync_status(self, evse: Evse, now: float) -> None:
        status = evse.connector_status()
        if status == evse.reported_status:
            return
        evse.reported_status = status
        self._ctx.events.append(ConnectorStatusChanged(evse.evse_id, CONNECTOR_ID, status))
        model = self._ctx.model
        model.set_actual(
            "Connector", "AvailabilityState", status, evse_id=evse.evse_id, connector_id=CONNECTOR_ID
        )
        model.set_actual("EVSE", "AvailabilityState", status, evse_id=evse.evse_id)
        # offline changes are not queued: the snapshot sent after the next boot supersedes them
        if self._ctx.channel.is_online:
            self.send_status(evse, now)
            monitor = self.monitor
            monitor.variable_changed(
                "Connector", evse.evse_id, CONNECTOR_ID, "AvailabilityState", status, now
            )
            monitor.variable_changed("EVSE", evse.evse_id, None, "AvailabilityState", status, now)

    def send_status(self, evse: Evse, now: float, *, csms_requested: bool = False) -> None:
        request = v201.StatusNotificationRequest(
            timestamp=self._ctx.clock.at(now),
            connector_status=evse.reported_status,
            evse_id=evse.evse_id,
            connector_id=CONNECTOR_ID,
        )
        self._ctx.channel.send(
            OutgoingCall("StatusNotification", request, now, csms_requested=csms_requested), now
        )

    def send_status_snapshot(self, now: float) -> None:
        for evse in self.evses.values():
            evse.reported_status = evse.connector_status()
            self.send_status(evse, now)

    def send_meter_values(self, evse: Evse, now: float, *, csms_requested: bool = False) -> None:
        evse.meter.advance(now)
        sample = evse.meter.sample(self._ctx.settings.aligned_measurands, "Trigger", self._ctx.clock.at(now))
        if sample is not None:
            request = v201.MeterValuesRequest(evse_id=evse.evse_id, meter_value=[sample])
            self._ctx.channel.send(
                OutgoingCall("MeterValues", request, now, csms_requested=csms_requested), now
            )
