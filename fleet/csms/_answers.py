"""The CSMS's answer to each station-initiated OCPP 2.0.1 request.

One method per action that needs a decision; every other action is acknowledged with a prebuilt
empty response (msgspec structs are immutable in practice here, so one instance serves all).
"""

from __future__ import annotations

import msgspec

from fleet.csms._answer_rules import AnswerRules, Handler, fixed_answer
from fleet.csms._transaction_faults import TOKEN_STATUSES
from fleet.ocpp import v201

_ACCEPTED = v201.IdTokenInfo(status="Accepted")
_INVALID = v201.IdTokenInfo(status="Invalid")
_AUTHORIZE_ACCEPTED = v201.AuthorizeResponse(id_token_info=_ACCEPTED)
_AUTHORIZE_INVALID = v201.AuthorizeResponse(id_token_info=_INVALID)
_TX_PLAIN = v201.TransactionEventResponse()
_TX_ACCEPTED = v201.TransactionEventResponse(id_token_info=_ACCEPTED)
_TX_INVALID = v201.TransactionEventResponse(id_token_info=_INVALID)
_TX_REFUSED = {
    status: v201.TransactionEventResponse(id_token_info=v201.IdTokenInfo(status=status))
    for status in TOKEN_STATUSES
}
_NOT_SUPPORTED = v201.StatusInfo(reason_code="NotSupported")
_DATA_TRANSFER = {
    status: v201.DataTransferResponse(status=status)
    for status in ("Accepted", "UnknownMessageId", "UnknownVendorId")
}
_EV_CERTIFICATE = v201.Get15118EVCertificateResponse(
    status="Failed", exi_response="", status_info=_NOT_SUPPORTED
)
_CERTIFICATE_STATUS = v201.GetCertificateStatusResponse(status="Failed", status_info=_NOT_SUPPORTED)
_SIGN_CERTIFICATE = v201.SignCertificateResponse(status="Rejected", status_info=_NOT_SUPPORTED)
# the embedded CSMS does no smart charging, so it cannot promise a schedule for the EV's needs
_EV_CHARGING_NEEDS = v201.NotifyEVChargingNeedsResponse(status="Rejected", status_info=_NOT_SUPPORTED)
_EV_CHARGING_SCHEDULE = v201.NotifyEVChargingScheduleResponse(status="Accepted")


class Answers(AnswerRules):
    """Decides the 2.0.1 responses for one station."""

    __slots__ = ()

    def _token_info(self, id_token: v201.IdToken) -> v201.IdTokenInfo:
        if id_token.type == "NoAuthorization":
            return _ACCEPTED
        return _INVALID if self._refuses_token(id_token.id_token) else _ACCEPTED

    def authorize(self, request: v201.AuthorizeRequest, now: float) -> v201.AuthorizeResponse:
        info = self._token_info(request.id_token)
        return _AUTHORIZE_ACCEPTED if info is _ACCEPTED else _AUTHORIZE_INVALID

    def boot_notification(
        self, request: v201.BootNotificationRequest, now: float
    ) -> v201.BootNotificationResponse:
        status, interval = self._boot_verdict()
        return v201.BootNotificationResponse(
            current_time=self._wall_time(now), interval=interval, status=status
        )

    def heartbeat(self, request: v201.HeartbeatRequest, now: float) -> v201.HeartbeatResponse:
        return v201.HeartbeatResponse(current_time=self._wall_time(now))

    def transaction_event(
        self, request: v201.TransactionEventRequest, now: float
    ) -> v201.TransactionEventResponse:
        self._refuse_if_configured("TransactionEvent")
        self._ledger.transaction_event(self._station_id, request)
        if request.id_token is msgspec.UNSET:
            return _TX_PLAIN
        if request.id_token.type != "NoAuthorization":
            refusal = self._tx_token_refusal(request.id_token.id_token)
            if refusal is not None:
                return _TX_REFUSED[refusal]
        return _TX_ACCEPTED if self._token_info(request.id_token) is _ACCEPTED else _TX_INVALID

    def data_transfer(self, request: v201.DataTransferRequest, now: float) -> v201.DataTransferResponse:
        message_id = None if request.message_id is msgspec.UNSET else request.message_id
        return _DATA_TRANSFER[self._data_transfer_status(request.vendor_id, message_id)]


# Every request a charging station may send in OCPP 2.0.1, and nothing else.
ANSWERS: dict[str, Handler] = {
    "Authorize": Answers.authorize,
    "BootNotification": Answers.boot_notification,
    "Heartbeat": Answers.heartbeat,
    "TransactionEvent": Answers.transaction_event,
    "DataTransfer": Answers.data_transfer,
    "Get15118EVCertificate": fixed_answer(_EV_CERTIFICATE),
    "GetCertificateStatus": fixed_answer(_CERTIFICATE_STATUS),
    "SignCertificate": fixed_answer(_SIGN_CERTIFICATE),
    "NotifyEVChargingNeeds": fixed_answer(_EV_CHARGING_NEEDS),
    "NotifyEVChargingSchedule": fixed_answer(_EV_CHARGING_SCHEDULE),
    **{
        action: fixed_answer(v201.ACTIONS[action][1]())
        for action in (
            "ClearedChargingLimit",
            "FirmwareStatusNotification",
            "LogStatusNotification",
            "MeterValues",
            "NotifyChargingLimit",
            "NotifyCustomerInformation",
            "NotifyDisplayMessages",
            "NotifyEvent",
            "NotifyMonitoringReport",
            "NotifyReport",
            "PublishFirmwareStatusNotification",
            "ReportChargingProfiles",
            "ReservationStatusUpdate",
            "SecurityEventNotification",
            "StatusNotification",
        )
    },
}

STATION_INITIATED: frozenset[str] = frozenset(ANSWERS)
# DataTransfer goes both ways
CSMS_INITIATED: frozenset[str] = frozenset(v201.ACTIONS.keys() - STATION_INITIATED | {"DataTransfer"})
