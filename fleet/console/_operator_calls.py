"""The operator's actions on a station, as the OCPP request each one is in the station's version:
remote start and stop, reset, change availability, unlock, trigger a message, a charging limit.
A builder takes the form's fields and raises ValueError naming a field it cannot use."""

from __future__ import annotations

import random
from collections.abc import Callable

import msgspec

from fleet.csms import StationView
from fleet.ocpp import v16, v201

Fields = dict[str, str]
OperatorCall = tuple[str, msgspec.Struct]  # (OCPP action, request payload)

TRIGGERS201 = ("StatusNotification", "MeterValues", "TransactionEvent", "Heartbeat", "BootNotification")
TRIGGERS16 = ("StatusNotification", "MeterValues", "Heartbeat", "BootNotification")
RESETS = {"2.0.1": ("Immediate", "OnIdle"), "1.6": ("Soft", "Hard")}
_PROFILE_ID = 9001  # the console's charging profile: setting it again replaces it


def _int(fields: Fields, name: str, low: int = 0) -> int:
    try:
        value = int(fields.get(name, ""))
    except ValueError:
        raise ValueError(f"{name}: expected a whole number, got {fields.get(name, '')!r}") from None
    if value < low:
        raise ValueError(f"{name}: must be at least {low}, got {value}")
    return value


def _choice(fields: Fields, name: str, choices: tuple[str, ...]) -> str:
    value = fields.get(name, "")
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def _is16(station: StationView) -> bool:
    return station.ocpp_version == "1.6"


def remote_start(station: StationView, fields: Fields) -> OperatorCall:
    token = fields.get("id_token", "").strip()
    if not token or len(token) > 20:
        raise ValueError(f"id_token: expected 1 to 20 characters, got {token!r}")
    evse = _int(fields, "evse_id", 1)
    if _is16(station):
        return "RemoteStartTransaction", v16.RemoteStartTransactionRequest(id_tag=token, connector_id=evse)
    request = v201.RequestStartTransactionRequest(
        id_token=v201.IdToken(id_token=token, type="Central"),
        remote_start_id=random.randrange(1, 2**31),
        evse_id=evse,
    )
    return "RequestStartTransaction", request


def remote_stop(station: StationView, fields: Fields) -> OperatorCall:
    transaction_id = fields.get("transaction_id", "").strip()
    if not transaction_id:
        raise ValueError("transaction_id: the station has no live transaction to stop")
    if _is16(station):
        return "RemoteStopTransaction", v16.RemoteStopTransactionRequest(
            transaction_id=_int(fields, "transaction_id")
        )
    return "RequestStopTransaction", v201.RequestStopTransactionRequest(transaction_id=transaction_id)


def reset(station: StationView, fields: Fields) -> OperatorCall:
    if _is16(station):
        return "Reset", v16.ResetRequest(
            type="Hard" if _choice(fields, "type", RESETS["1.6"]) == "Hard" else "Soft"
        )
    kind = _choice(fields, "type", RESETS["2.0.1"])
    return "Reset", v201.ResetRequest(type="OnIdle" if kind == "OnIdle" else "Immediate")


def change_availability(station: StationView, fields: Fields) -> OperatorCall:
    operative = _choice(fields, "status", ("Operative", "Inoperative")) == "Operative"
    evse = _int(fields, "evse_id")
    if _is16(station):
        kind16: v16.ChangeAvailabilityTypeEnum = "Operative" if operative else "Inoperative"
        return "ChangeAvailability", v16.ChangeAvailabilityRequest(connector_id=evse, type=kind16)
    status: v201.OperationalStatusEnum = "Operative" if operative else "Inoperative"
    if evse == 0:
        return "ChangeAvailability", v201.ChangeAvailabilityRequest(operational_status=status)
    return "ChangeAvailability", v201.ChangeAvailabilityRequest(
        operational_status=status, evse=v201.EVSE(id=evse)
    )


def unlock(station: StationView, fields: Fields) -> OperatorCall:
    evse = _int(fields, "evse_id", 1)
    if _is16(station):
        return "UnlockConnector", v16.UnlockConnectorRequest(connector_id=evse)
    connector = _int(fields, "connector_id", 1)
    return "UnlockConnector", v201.UnlockConnectorRequest(evse_id=evse, connector_id=connector)


def trigger(station: StationView, fields: Fields) -> OperatorCall:
    if _is16(station):
        message16 = msgspec.convert(_choice(fields, "message", TRIGGERS16), v16.RequestedMessageEnum)
        return "TriggerMessage", v16.TriggerMessageRequest(requested_message=message16)
    message = msgspec.convert(_choice(fields, "message", TRIGGERS201), v201.MessageTriggerEnum)
    return "TriggerMessage", v201.TriggerMessageRequest(requested_message=message)


def charging_limit(station: StationView, fields: Fields) -> OperatorCall:
    """A TxProfile on the live transaction of the EVSE, else a TxDefaultProfile, limiting to
    ``limit`` (W or A) from now on."""
    evse = _int(fields, "evse_id", 1)
    unit = _choice(fields, "unit", ("W", "A"))
    try:
        limit = float(fields.get("limit", ""))
    except ValueError:
        raise ValueError(f"limit: expected a number, got {fields.get('limit', '')!r}") from None
    if not 0 <= limit < 1e7:
        raise ValueError(f"limit: expected 0 to 10,000,000, got {limit}")
    live = [t.transaction_id for t in station.transactions.values() if t.evse_id in (evse, 0)]
    if _is16(station):
        return "SetChargingProfile", _limit16(evse, unit, limit, live[0] if live else None)
    period = v201.ChargingSchedulePeriod(start_period=0, limit=limit)
    schedule = v201.ChargingSchedule(
        id=1, charging_rate_unit="W" if unit == "W" else "A", charging_schedule_period=[period]
    )
    profile = v201.ChargingProfile(
        id=_PROFILE_ID,
        stack_level=1,
        charging_profile_purpose="TxProfile" if live else "TxDefaultProfile",
        charging_profile_kind="Relative",
        charging_schedule=[schedule],
        transaction_id=live[0] if live else msgspec.UNSET,
    )
    return "SetChargingProfile", v201.SetChargingProfileRequest(evse_id=evse, charging_profile=profile)


def _limit16(
    connector: int, unit: str, limit: float, transaction_id: str | None
) -> v16.SetChargingProfileRequest:
    period = v16.ChargingSchedulePeriod(start_period=0, limit=limit)
    schedule = v16.ChargingSchedule(
        charging_rate_unit="W" if unit == "W" else "A", charging_schedule_period=[period]
    )
    profile = v16.CsChargingProfiles(
        charging_profile_id=_PROFILE_ID,
        stack_level=1,
        charging_profile_purpose="TxProfile" if transaction_id is not None else "TxDefaultProfile",
        charging_profile_kind="Relative",
        charging_schedule=schedule,
        transaction_id=int(transaction_id) if transaction_id is not None else msgspec.UNSET,
    )
    return v16.SetChargingProfileRequest(connector_id=connector, cs_charging_profiles=profile)


BUILDERS: dict[str, Callable[[StationView, Fields], OperatorCall]] = {
    "remote-start": remote_start,
    "remote-stop": remote_stop,
    "reset": reset,
    "availability": change_availability,
    "unlock": unlock,
    "trigger": trigger,
    "limit": charging_limit,
}
