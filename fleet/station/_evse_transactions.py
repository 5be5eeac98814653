"""The transaction life cycle on the EVSEs of an OCPP 2.0.1 station. After every input ``reconcile``
compares the EVSE with the rule tables in ``_evse`` and starts, updates or ends its transaction
(the TransactionEvents go through ``TransactionReporter``); the idTokenInfo the CSMS answers them
with can end the authorization. The tables decide; this module only sequences."""

from __future__ import annotations

from functools import partial

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._evse import Evse
from fleet.station._evse_limits import EvseLimits
from fleet.station._evse_status import EvseStatus
from fleet.station._invalid_id_energy import refuse_energy
from fleet.station._local_auth import LocalAuthorization
from fleet.station._smart_charging import SmartCharging
from fleet.station._transactions import TransactionReporter

# an updated event is sent for these triggers even when the charging state did not change
_ALWAYS_REPORTED = frozenset({"StopAuthorized", "RemoteStop", "Deauthorized", "RemoteStart", "Authorized"})


def connect_timer(evse_id: int) -> tuple[str, int]:
    """EVConnectionTimeOut: an authorization that waits for the cable (``_evse_authorization``)."""
    return ("ev-connect-timeout", evse_id)


class EvseTransactions:
    __slots__ = ("_ctx", "_local_auth", "_smart", "_status", "limits", "reporter")

    def __init__(
        self,
        ctx: StationContext,
        evses: dict[int, Evse],
        status: EvseStatus,
        smart: SmartCharging,
        local_auth: LocalAuthorization,
    ) -> None:
        self._ctx = ctx
        self._status = status
        self._smart = smart
        self._local_auth = local_auth
        self.reporter = TransactionReporter(ctx, evses, self._answered)
        self.limits = EvseLimits(ctx, evses, smart, self._rate_changed)

    def reconcile(self, evse: Evse, trigger: v201.TriggerReasonEnum, now: float) -> None:
        settings = self._ctx.settings
        evse.meter.advance(now)
        self.limits.apply(evse, now)
        tx = evse.tx
        if tx is None:
            if evse.may_start(settings.tx_start_points):
                tx = evse.tx = self.reporter.new_transaction(evse, now)
                tx.started_at = now
                evse.use_reservation()
                self.limits.apply(evse, now)  # Relative schedules start with the transaction
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
        self._status.sync(evse, now)

    def deauthorize(
        self, evse: Evse, reason: v201.ReasonEnum, trigger: v201.TriggerReasonEnum, now: float
    ) -> None:
        """The authorization at the EVSE ends (the driver, the CSMS, a timeout): its transaction
        ends or goes on as the stop points say."""
        evse.token = None
        self._ctx.timers.cancel(connect_timer(evse.evse_id))
        if evse.tx is not None:
            evse.tx.deauth_reason = reason
        self.reconcile(evse, trigger, now)

    def _end(self, evse: Evse, trigger: v201.TriggerReasonEnum, reason: v201.ReasonEnum, now: float) -> None:
        tx = evse.tx
        assert tx is not None
        evse.meter.set_power(0.0, now)
        evse.token = None
        self.reporter.ended(evse, tx, trigger, reason, now)
        evse.tx = None
        self._smart.transaction_ended(evse.evse_id)
        self.limits.apply(evse, now)
        evse.remote_start_id = None
        evse.needs_unplug = evse.plugged
        self._ctx.timers.cancel(connect_timer(evse.evse_id))
        if evse.scheduled_operative is not None:
            evse.operative, evse.scheduled_operative = evse.scheduled_operative, None
        self._status.sync(evse, now)

    def _answered(
        self, evse: Evse, transaction_id: str, response: v201.TransactionEventResponse, now: float
    ) -> None:
        """The idTokenInfo of a TransactionEventResponse: cached, and a refused token stops the
        energy (StopTxOnInvalidId: the transaction ends; otherwise it is suspended, after
        MaxEnergyOnInvalidId Wh more)."""
        info = response.id_token_info
        if isinstance(info, v201.IdTokenInfo) and evse.token is not None:
            self._local_auth.remember(evse.token, info, self._ctx.clock.at(now))
        if isinstance(info, v201.IdTokenInfo) and info.status != "Accepted":
            tx = evse.tx
            if tx is None or tx.transaction_id != transaction_id or evse.token is None:
                return
            if self._ctx.settings.stop_tx_on_invalid_id:
                self.deauthorize(evse, "DeAuthorized", "Deauthorized", now)
            else:
                allowance = self._ctx.settings.max_energy_on_invalid_id
                suspended = partial(self.reconcile, evse, "ChargingStateChanged")
                refuse_energy(self._ctx.timers, evse, evse.evse_id, tx, allowance, suspended, now)
                self.reconcile(evse, "ChargingStateChanged", now)

    def _rate_changed(self, evse: Evse, now: float) -> None:
        self.reconcile(evse, "ChargingRateChanged", now)
