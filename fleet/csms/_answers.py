"""The CSMS's answer to each station-initiated OCPP 2.0.1 request.

One method per action that needs a decision; every other action is acknowledged with a prebuilt
empty response (msgspec structs are immutable in practice here, so one instance serves all).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from fleet.csms._config import CsmsConfig
from fleet.csms._ledger import Ledger
from fleet.ocpp import ErrorCode, v201


class Refusal(Exception):
    """The CSMS chooses to answer a well-formed request with a CALLERROR (not the station's fault)."""

    def __init__(self, code: ErrorCode, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def token_is_rejected(id_token: str, seed: int, ratio: float) -> bool:
    """The verdict for one idToken: a pure function of (seed, token), so it never flips."""
    if ratio <= 0.0:
        return False
    if ratio >= 1.0:
        return True
    # surrogatepass: a str handed in by a Python caller may hold lone surrogates
    digest = hashlib.blake2b(f"{seed}:{id_token}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64 < ratio


_ACCEPTED = v201.IdTokenInfo(status="Accepted")
_INVALID = v201.IdTokenInfo(status="Invalid")
_AUTHORIZE_ACCEPTED = v201.AuthorizeResponse(id_token_info=_ACCEPTED)
_AUTHORIZE_INVALID = v201.AuthorizeResponse(id_token_info=_INVALID)
_TX_PLAIN = v201.TransactionEventResponse()
_TX_ACCEPTED = v201.TransactionEventResponse(id_token_info=_ACCEPTED)
_TX_INVALID = v201.TransactionEventResponse(id_token_info=_INVALID)
_NOT_SUPPORTED = v201.StatusInfo(reason_code="NotSupported")
_DATA_TRANSFER = v201.DataTransferResponse(status="UnknownVendorId")
_EV_CERTIFICATE = v201.Get15118EVCertificateResponse(
    status="Failed", exi_response="", status_info=_NOT_SUPPORTED
)
_CERTIFICATE_STATUS = v201.GetCertificateStatusResponse(status="Failed", status_info=_NOT_SUPPORTED)
_SIGN_CERTIFICATE = v201.SignCertificateResponse(status="Rejected", status_info=_NOT_SUPPORTED)
# the embedded CSMS does no smart charging, so it cannot promise a schedule for the EV's needs
_EV_CHARGING_NEEDS = v201.NotifyEVChargingNeedsResponse(status="Rejected", status_info=_NOT_SUPPORTED)
_EV_CHARGING_SCHEDULE = v201.NotifyEVChargingScheduleResponse(status="Accepted")


class Answers:
    """Decides the responses for one station. Holds no per-message state."""

    __slots__ = ("_config", "_epoch_offset", "_ledger", "_station_id")

    def __init__(self, station_id: str, config: CsmsConfig, ledger: Ledger, epoch_offset: float) -> None:
        self._station_id = station_id
        self._config = config
        self._ledger = ledger
        self._epoch_offset = epoch_offset

    def _wall_time(self, now: float) -> datetime:
        return datetime.fromtimestamp(now + self._epoch_offset, UTC)

    def _token_info(self, id_token: v201.IdToken) -> v201.IdTokenInfo:
        if id_token.type == "NoAuthorization":
            return _ACCEPTED
        config = self._config
        return (
            _INVALID
            if (config.blocked_token_prefix and id_token.id_token.startswith(config.blocked_token_prefix))
            or token_is_rejected(id_token.id_token, config.seed, config.auth_reject_ratio)
            else _ACCEPTED
        )

    def authorize(self, request: v201.AuthorizeRequest, now: float) -> v201.AuthorizeResponse:
        info = self._token_info(request.id_token)
        return _AUTHORIZE_ACCEPTED if info is _ACCEPTED else _AUTHORIZE_INVALID

    def boot_notification(
        self, request: v201.BootNotificationRequest, now: float
    ) -> v201.BootNotificationResponse:
        status = self._config.boot_status
        if status == "Accepted":
            self._ledger.station_booted(self._station_id)
            interval = self._config.heartbeat_interval
        else:
            interval = self._config.boot_retry_interval
        return v201.BootNotificationResponse(
            current_time=self._wall_time(now), interval=interval, status=status
        )

    def heartbeat(self, request: v201.HeartbeatRequest, now: float) -> v201.HeartbeatResponse:
        return v201.HeartbeatResponse(current_time=self._wall_time(now))

    def transaction_event(
        self, request: v201.TransactionEventRequest, now: float
    ) -> v201.TransactionEventResponse:
        if self._config.reject_transaction_events:
            # not recorded: the station is expected to send it again
            raise Refusal(
                ErrorCode.INTERNAL_ERROR, "TransactionEvent refused (reject_transaction_events is set)"
            )
        self._ledger.transaction_event(self._station_id, request)
        if request.id_token is msgspec.UNSET:
            return _TX_PLAIN
        return _TX_ACCEPTED if self._token_info(request.id_token) is _ACCEPTED else _TX_INVALID


Handler = Callable[[Answers, Any, float], msgspec.Struct]


def _fixed(response: msgspec.Struct) -> Handler:
    def answer(answers: Answers, request: Any, now: float) -> msgspec.Struct:
        return response

    return answer


# Every request a charging station may send in OCPP 2.0.1, and nothing else.
ANSWERS: dict[str, Handler] = {
    "Authorize": Answers.authorize,
    "BootNotification": Answers.boot_notification,
    "Heartbeat": Answers.heartbeat,
    "TransactionEvent": Answers.transaction_event,
    "DataTransfer": _fixed(_DATA_TRANSFER),
    "Get15118EVCertificate": _fixed(_EV_CERTIFICATE),
    "GetCertificateStatus": _fixed(_CERTIFICATE_STATUS),
    "SignCertificate": _fixed(_SIGN_CERTIFICATE),
    "NotifyEVChargingNeeds": _fixed(_EV_CHARGING_NEEDS),
    "NotifyEVChargingSchedule": _fixed(_EV_CHARGING_SCHEDULE),
    **{
        action: _fixed(v201.ACTIONS[action][1]())
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
