"""Who may charge at an EVSE of an OCPP 2.0.1 station. An idToken presented at the EVSE or sent with
RequestStartTransaction is authorized by the CSMS (Authorize, C01), by the local list or cache
(C10-C15) or, offline, by the offline rules; granted, it waits for the cable (EVConnectionTimeOut)
and the transaction life cycle (``_evse_transactions``) takes over."""

from __future__ import annotations

from collections.abc import Callable

from fleet.ocpp import v201
from fleet.station._context import StationContext
from fleet.station._evse import Evse
from fleet.station._evse_transactions import EvseTransactions, connect_timer
from fleet.station._local_auth import LocalAuthorization
from fleet.station._monitoring import Monitor
from fleet.station._outgoing import OutgoingCall


class EvseAuthorization:
    __slots__ = ("_ctx", "_local_auth", "_monitor", "_transactions")

    def __init__(
        self,
        ctx: StationContext,
        local_auth: LocalAuthorization,
        monitor: Monitor,
        transactions: EvseTransactions,
    ) -> None:
        self._ctx = ctx
        self._local_auth = local_auth
        self._monitor = monitor
        self._transactions = transactions

    def present(self, evse: Evse, id_token: str, token_type: str, now: float) -> None:
        """A driver presents an idToken: it starts a session, or ends the one it started."""
        token = v201.IdToken(id_token=id_token, type=token_type)  # type: ignore[arg-type]
        if evse.token is not None:
            if (evse.token.id_token, evse.token.type) != (token.id_token, token.type):
                return  # someone else's session
            if evse.tx is not None:
                self._transactions.deauthorize(evse, "Local", "StopAuthorized", now)
            else:
                evse.token = None  # changed their mind before a session started
                self._ctx.timers.cancel(connect_timer(evse.evse_id))
            return
        if evse.authorizing or not evse.operative or evse.lock_faulted or evse.faulted or evse.needs_unplug:
            return
        if evse.reservation is not None and not evse.reservation.admits(token):
            return  # reserved for another driver: not even asked about (H01)
        self.authorize(evse, token, None, now)

    def authorize(self, evse: Evse, token: v201.IdToken, remote_start_id: int | None, now: float) -> None:
        """``remote_start_id``: RequestStartTransaction's (None: the token was presented here)."""
        settings = self._ctx.settings
        ask_csms = (
            token.type != "NoAuthorization"
            and settings.auth_enabled
            and (remote_start_id is None or settings.authorize_remote_start)
        )
        local = self._local_auth
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
                self._refused(evse, at)

        def on_failure(code: str, at: float) -> None:
            evse.authorizing = False
            if code in ("ConnectionLost", "Offline"):
                self._authorize_offline(evse, token, remote_start_id, at)
            else:
                self._refused(evse, at)

        request = v201.AuthorizeRequest(id_token=token)
        self._ctx.channel.send(OutgoingCall("Authorize", request, now, on_result, on_failure), now)

    def _authorize_offline(
        self, evse: Evse, token: v201.IdToken, remote_start_id: int | None, now: float
    ) -> None:
        # the local list, the cache and OfflineTxForUnknownIdEnabled decide (C12, C15)
        if self._local_auth.offline_allows(token, self._ctx.clock.at(now)):
            self._grant(evse, token, remote_start_id, now)

    def _grant(self, evse: Evse, token: v201.IdToken, remote_start_id: int | None, now: float) -> None:
        if evse.token is not None:
            return
        evse.token = token
        evse.remote_start_id = remote_start_id
        if evse.tx is not None and remote_start_id is not None:
            evse.tx.remote_start_id = remote_start_id
        if evse.tx is not None:
            evse.use_reservation()
        if evse.plugged:
            if evse.close_power_path():
                self._monitor.lock_problem(evse.evse_id, True, now)
        elif (timeout := self._ctx.settings.ev_connection_timeout) > 0:
            self._ctx.timers.set(connect_timer(evse.evse_id), now + timeout, self._connect_timeout(evse))
        self._transactions.reconcile(
            evse, "RemoteStart" if remote_start_id is not None else "Authorized", now
        )

    def _refused(self, evse: Evse, now: float) -> None:
        if evse.tx is not None and evse.token is None and self._ctx.settings.stop_tx_on_invalid_id:
            evse.tx.deauth_reason = "DeAuthorized"
            self._transactions.reconcile(evse, "Deauthorized", now)

    def _connect_timeout(self, evse: Evse) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            if not evse.plugged and evse.token is not None:
                self._transactions.deauthorize(evse, "Timeout", "EVConnectTimeout", deadline)

        return fire
