"""Who may charge at a connector of an OCPP 1.6 station. An idTag presented at the connector or sent
with RemoteStartTransaction is authorized by the Central System (Authorize), by the local list or
cache (``_authorization``) or, offline, by the offline rules; granted, it waits for the cable
(ConnectionTimeOut) and the transaction life cycle (``_connector_transactions``) takes over."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from fleet.ocpp import v16
from fleet.station._outgoing import OutgoingCall
from fleet.station.ocpp16._authorization import Authorizations
from fleet.station.ocpp16._connector import Connector
from fleet.station.ocpp16._connector_transactions import ConnectorTransactions
from fleet.station.ocpp16._context import Context16

FREE_VEND_ID_TAG = "FreeVend"  # what a station without authorization (start button) sends as idTag


def connection_timer(connector_id: int) -> tuple[str, int]:
    """ConnectionTimeOut: an authorization that waits for the cable."""
    return ("connection-timeout", connector_id)


class ConnectorAuthorization:
    __slots__ = ("_auth", "_ctx", "_transactions")

    def __init__(self, ctx: Context16, auth: Authorizations, transactions: ConnectorTransactions) -> None:
        self._ctx = ctx
        self._auth = auth
        self._transactions = transactions

    def present(self, c: Connector, id_tag: str, now: float) -> None:
        """A driver presents an idTag: it starts a session, or ends the one it started."""
        if c.tx is not None and c.tx.id_tag == id_tag:
            c.tx.stop_reason = "Local"
            self._transactions.reconcile(c, now)
            return
        if c.id_tag is not None:
            if c.id_tag == id_tag and c.tx is None:
                c.id_tag = None  # changed their mind before a session started
                self._ctx.timers.cancel(connection_timer(c.connector_id))
                self._transactions.reconcile(c, now)
            return
        if c.authorizing or not c.operative or c.faulted or c.lock_faulted or c.needs_unplug:
            return
        info = self._auth.known(id_tag)
        parent = (
            None if info is None or isinstance(info.parent_id_tag, msgspec.UnsetType) else info.parent_id_tag
        )
        if c.reserved_for_other(id_tag, parent):
            return  # the connector is held for someone else
        self._authorize(c, id_tag, ask_csms=id_tag != FREE_VEND_ID_TAG, now=now)

    def remote_start(
        self, c: Connector, id_tag: str, profile: v16.ChargingProfile | None, now: float
    ) -> None:
        """RemoteStartTransaction; ``profile``: its TxProfile, installed when the transaction starts."""
        c.remote_profile = profile
        self._authorize(c, id_tag, ask_csms=self._ctx.settings.flag("AuthorizeRemoteTxRequests"), now=now)

    def _authorize(self, c: Connector, id_tag: str, *, ask_csms: bool, now: float) -> None:
        at = self._ctx.clock.at(now)
        if not ask_csms or (self._ctx.channel.is_online and self._auth.pre_authorized(id_tag, at)):
            self._grant(c, id_tag, now)
            return
        if not self._ctx.channel.is_online:
            if self._auth.offline_decision(id_tag, at):
                self._grant(c, id_tag, now)
            return
        c.authorizing = True

        def on_result(response: v16.AuthorizeResponse, when: float) -> None:
            c.authorizing = False
            self._auth.remember(id_tag, response.id_tag_info)
            if response.id_tag_info.status == "Accepted":
                self._grant(c, id_tag, when)

        def on_failure(code: str, when: float) -> None:
            c.authorizing = False
            offline = code in ("ConnectionLost", "Offline")
            if offline and self._auth.offline_decision(id_tag, self._ctx.clock.at(when)):
                self._grant(c, id_tag, when)

        request = v16.AuthorizeRequest(id_tag=id_tag)
        self._ctx.channel.send(OutgoingCall("Authorize", request, now, on_result, on_failure), now)

    def _grant(self, c: Connector, id_tag: str, now: float) -> None:
        if c.id_tag is not None:
            return
        c.id_tag = id_tag
        if c.plugged and c.lock_fails_next:
            c.lock_fails_next, c.lock_faulted = False, True
        if not c.plugged and (timeout := self._ctx.settings.connection_timeout) > 0:
            self._ctx.timers.set(connection_timer(c.connector_id), now + timeout, self._connection_timeout(c))
        self._transactions.reconcile(c, now)

    def _connection_timeout(self, c: Connector) -> Callable[[float, float], None]:
        def fire(deadline: float, now: float) -> None:
            if not c.plugged and c.tx is None and c.id_tag is not None:
                c.id_tag = None
                self._transactions.reconcile(c, deadline)

        return fire
