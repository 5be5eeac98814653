"""The CSMS's answer to each station-initiated OCPP 1.6 request, and the 1.6 dialect.

StartTransaction gets a transactionId derived from what identifies the transaction (station,
connector, idTag, meterStart, timestamp): a replayed StartTransaction gets the same id back and
is counted as a duplicate, and CSMS worker processes that share no state still agree on it.
"""

from __future__ import annotations

import hashlib

import msgspec

from fleet.csms._answer_rules import AnswerRules, Handler, Refusal, fixed_answer
from fleet.csms._dialect import CsmsDialect
from fleet.csms._ledger16 import record_meter_values, record_start, record_stop
from fleet.csms._transaction_faults import TOKEN_STATUSES
from fleet.ocpp import OCPP16_ERROR_CODES, ErrorCode, v16

_ACCEPTED = v16.IdTagInfo(status="Accepted")
_INVALID = v16.IdTagInfo(status="Invalid")
_AUTHORIZE = {info.status: v16.AuthorizeResponse(id_tag_info=info) for info in (_ACCEPTED, _INVALID)}
_STOP_PLAIN = v16.StopTransactionResponse()
_STOP = {info.status: v16.StopTransactionResponse(id_tag_info=info) for info in (_ACCEPTED, _INVALID)}
_METER_VALUES = v16.MeterValuesResponse()
_REFUSED = {status: v16.IdTagInfo(status=status) for status in TOKEN_STATUSES}
_DATA_TRANSFER = {
    status: v16.DataTransferResponse(status=status)
    for status in ("Accepted", "UnknownMessageId", "UnknownVendorId")
}
_SIGN_CERTIFICATE = v16.SignCertificateResponse(status="Rejected")
# 1.6 transactionId is a JSON integer; stay within a signed 32-bit int, which most CSMSs store
_TRANSACTION_ID_SPACE = 2**31 - 1


def transaction_id_for(station_id: str, request: v16.StartTransactionRequest) -> int:
    """The id the CSMS assigns: 1..2**31-1, a pure function of the transaction's identity."""
    identity = f"{station_id}\0{request.connector_id}\0{request.id_tag}\0{request.meter_start}\0"
    identity += request.timestamp.isoformat()
    digest = hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % _TRANSACTION_ID_SPACE + 1


class Answers16(AnswerRules):
    """Decides the 1.6 responses for one station."""

    __slots__ = ()

    def _tag_info(self, id_tag: str) -> v16.IdTagInfo:
        return _INVALID if self._refuses_token(id_tag) else _ACCEPTED

    def authorize(self, request: v16.AuthorizeRequest, now: float) -> v16.AuthorizeResponse:
        return _AUTHORIZE[self._tag_info(request.id_tag).status]

    def boot_notification(
        self, request: v16.BootNotificationRequest, now: float
    ) -> v16.BootNotificationResponse:
        status, interval = self._boot_verdict()
        return v16.BootNotificationResponse(
            current_time=self._wall_time(now), interval=interval, status=status
        )

    def heartbeat(self, request: v16.HeartbeatRequest, now: float) -> v16.HeartbeatResponse:
        return v16.HeartbeatResponse(current_time=self._wall_time(now))

    def start_transaction(
        self, request: v16.StartTransactionRequest, now: float
    ) -> v16.StartTransactionResponse:
        self._refuse_if_configured("StartTransaction")
        _check_meter("meterStart", request.meter_start)
        transaction_id = transaction_id_for(self._station_id, request)
        record_start(self._ledger, self._station_id, transaction_id, request)
        refusal = self._tx_token_refusal(request.id_tag)
        info = self._tag_info(request.id_tag) if refusal is None else _REFUSED[refusal]
        return v16.StartTransactionResponse(id_tag_info=info, transaction_id=transaction_id)

    def stop_transaction(
        self, request: v16.StopTransactionRequest, now: float
    ) -> v16.StopTransactionResponse:
        self._refuse_if_configured("StopTransaction")
        _check_meter("meterStop", request.meter_stop)
        record_stop(self._ledger, self._station_id, request)
        if request.id_tag is msgspec.UNSET:
            return _STOP_PLAIN
        return _STOP[self._tag_info(request.id_tag).status]

    def meter_values(self, request: v16.MeterValuesRequest, now: float) -> v16.MeterValuesResponse:
        record_meter_values(self._ledger, self._station_id, request)
        return _METER_VALUES

    def data_transfer(self, request: v16.DataTransferRequest, now: float) -> v16.DataTransferResponse:
        message_id = None if request.message_id is msgspec.UNSET else request.message_id
        return _DATA_TRANSFER[self._data_transfer_status(request.vendor_id, message_id)]


def _check_meter(field: str, wh: int) -> None:
    """The 1.6 schema bounds no integer: a reading beyond 64 bits overflows the ledger's floats."""
    if not -(2**63) <= wh < 2**63:
        raise Refusal(ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, f"{field} {str(wh)[:24]}... is beyond 64 bits")


# Every request a 1.6 charge point may send (core and the security extension), and nothing else.
ANSWERS16: dict[str, Handler] = {
    "Authorize": Answers16.authorize,
    "BootNotification": Answers16.boot_notification,
    "Heartbeat": Answers16.heartbeat,
    "MeterValues": Answers16.meter_values,
    "StartTransaction": Answers16.start_transaction,
    "StopTransaction": Answers16.stop_transaction,
    "DataTransfer": Answers16.data_transfer,
    "SignCertificate": fixed_answer(_SIGN_CERTIFICATE),
    **{
        action: fixed_answer(v16.ACTIONS[action][1]())
        for action in (
            "DiagnosticsStatusNotification",
            "FirmwareStatusNotification",
            "LogStatusNotification",
            "SecurityEventNotification",
            "SignedFirmwareStatusNotification",
            "StatusNotification",
        )
    },
}

STATION_INITIATED16: frozenset[str] = frozenset(ANSWERS16)
# DataTransfer goes both ways
CSMS_INITIATED16: frozenset[str] = frozenset(v16.ACTIONS.keys() - STATION_INITIATED16 | {"DataTransfer"})

OCPP16 = CsmsDialect(
    version="1.6",
    package="v16",
    actions=v16.ACTIONS,
    answers=ANSWERS16,
    csms_initiated=CSMS_INITIATED16,
    make_answers=Answers16,
    error_codes=OCPP16_ERROR_CODES,
)
