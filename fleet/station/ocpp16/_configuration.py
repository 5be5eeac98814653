"""The OCPP 1.6 configuration keys (1.6 section 9): one table of key, type, read-only flag and
default; GetConfiguration / ChangeConfiguration interpret it, ``Settings16`` reads it typed.

A station keeps only the values that differ from the table (as the 2.0.1 device model does): the
table is shared by the whole fleet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import msgspec

from fleet.ocpp import v16

KeyType = Literal["boolean", "integer", "csl-measurands", "csl"]

_MEASURANDS = frozenset(get_args(v16.MeasurandEnum))
_MAX_VALUE = 500  # ConfigurationKey.value maxLength
_MAX_MEASURANDS = 8  # the *MaxLength keys below


@dataclass(frozen=True, slots=True)
class KeySpec:
    key: str
    type: KeyType
    readonly: bool
    default: str
    reboot_required: bool = False


_K = KeySpec
STANDARD_KEYS: tuple[KeySpec, ...] = (
    # --- Core profile ------------------------------------------------------------------------
    _K("AllowOfflineTxForUnknownId", "boolean", False, "false"),
    _K("AuthorizationCacheEnabled", "boolean", False, "true"),
    _K("AuthorizeRemoteTxRequests", "boolean", False, "false"),
    _K("ClockAlignedDataInterval", "integer", False, "900"),
    _K("ConnectionTimeOut", "integer", False, "60"),
    _K("GetConfigurationMaxKeys", "integer", True, "64"),
    _K("HeartbeatInterval", "integer", False, "300"),
    _K("LocalAuthorizeOffline", "boolean", False, "true"),
    _K("LocalPreAuthorize", "boolean", False, "false"),
    _K("MaxEnergyOnInvalidId", "integer", False, "0"),
    _K("MeterValuesAlignedData", "csl-measurands", False, "Energy.Active.Import.Register"),
    _K("MeterValuesAlignedDataMaxLength", "integer", True, str(_MAX_MEASURANDS)),
    _K(
        "MeterValuesSampledData",
        "csl-measurands",
        False,
        "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC",
    ),
    _K("MeterValuesSampledDataMaxLength", "integer", True, str(_MAX_MEASURANDS)),
    _K("MeterValueSampleInterval", "integer", False, "60"),
    _K("NumberOfConnectors", "integer", True, "1"),  # the station's connector count overrides it
    _K("ResetRetries", "integer", False, "2"),
    _K("StopTransactionOnEVSideDisconnect", "boolean", False, "true"),
    _K("StopTransactionOnInvalidId", "boolean", False, "true"),
    _K("StopTxnAlignedData", "csl-measurands", False, ""),
    _K("StopTxnAlignedDataMaxLength", "integer", True, str(_MAX_MEASURANDS)),
    _K("StopTxnSampledData", "csl-measurands", False, "Energy.Active.Import.Register"),
    _K("StopTxnSampledDataMaxLength", "integer", True, str(_MAX_MEASURANDS)),
    _K(
        "SupportedFeatureProfiles",
        "csl",
        True,
        "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
    ),
    _K("TransactionMessageAttempts", "integer", False, "3"),
    _K("TransactionMessageRetryInterval", "integer", False, "10"),
    _K("UnlockConnectorOnEVSideDisconnect", "boolean", False, "true"),
    _K("WebSocketPingInterval", "integer", False, "0"),
    # --- Local Auth List Management profile --------------------------------------------------
    _K("LocalAuthListEnabled", "boolean", False, "true"),
    _K("LocalAuthListMaxLength", "integer", True, "1000"),
    _K("SendLocalListMaxLength", "integer", True, "100"),
    # --- Reservation profile -----------------------------------------------------------------
    _K("ReserveConnectorZeroSupported", "boolean", True, "false"),
    # --- Smart Charging profile --------------------------------------------------------------
    _K("ChargeProfileMaxStackLevel", "integer", True, "8"),
    _K("ChargingScheduleAllowedChargingRateUnit", "csl", True, "Current,Power"),
    _K("ChargingScheduleMaxPeriods", "integer", True, "24"),
    _K("MaxChargingProfilesInstalled", "integer", True, "16"),
    # --- vendor key: how long a CALL waits for its answer (1.6 leaves it to the vendor) ------
    _K("MessageTimeout", "integer", False, "30"),
)
_BY_KEY = {spec.key: spec for spec in STANDARD_KEYS}
_BY_LOWER = {spec.key.lower(): spec for spec in STANDARD_KEYS}  # keys are case-insensitive (1.6 9)


def _check_boolean(value: str) -> str | None:
    return value.lower() if value.lower() in ("true", "false") else None


def _check_integer(value: str) -> str | None:
    text = value.strip()
    # all 1.6 integer keys are >= 0; ASCII digits only ("²" is a digit int() refuses); at most
    # 32 bits, as 2.0.1 says of its integers (10**400 seconds overflow the float timers)
    if not (text.isascii() and text.isdigit()) or int(text) >= 2**31:
        return None
    return str(int(text))


def _check_measurands(value: str) -> str | None:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > _MAX_MEASURANDS or not all(item in _MEASURANDS for item in items):
        return None
    return ",".join(items)


def _check_csl(value: str) -> str | None:
    return value


_CHECKS: dict[KeyType, Callable[[str], str | None]] = {
    "boolean": _check_boolean,
    "integer": _check_integer,
    "csl-measurands": _check_measurands,
    "csl": _check_csl,
}


class Configuration:
    """One station's configuration keys: the shared table plus this station's changes."""

    def __init__(self, connectors: int) -> None:
        self._values: dict[str, str] = {"NumberOfConnectors": str(connectors)}

    def get(self, key: str) -> str:
        spec = _BY_KEY[key]
        return self._values.get(spec.key, spec.default)

    def get_int(self, key: str) -> int:
        return int(self.get(key))

    def get_bool(self, key: str) -> bool:
        return self.get(key) == "true"

    def get_list(self, key: str) -> list[str]:
        return [item for item in self.get(key).split(",") if item]

    def set(self, key: str, value: str) -> None:
        """Set a key from the station's own side (profiles, the engine): no read-only check."""
        spec = _BY_KEY.get(key)
        checked = _CHECKS[spec.type](value) if spec is not None else None
        if spec is None or checked is None:
            raise ValueError(
                f"OCPP 1.6 configuration key {key!r}: cannot set it to {value!r} "
                f"(known keys: {', '.join(sorted(_BY_KEY))}; values must match the key's type)"
            )
        self._values[spec.key] = checked

    def change(self, key: str, value: str) -> v16.ChangeConfigurationStatusEnum:
        """ChangeConfiguration from the CSMS."""
        spec = _BY_LOWER.get(key.lower())
        if spec is None:
            return "NotSupported"
        checked = _CHECKS[spec.type](value)
        if spec.readonly or checked is None or len(checked) > _MAX_VALUE:
            return "Rejected"
        self._values[spec.key] = checked
        return "RebootRequired" if spec.reboot_required else "Accepted"

    def report(self, keys: list[str] | None) -> v16.GetConfigurationResponse:
        """GetConfiguration: all keys when ``keys`` is None or empty, else the known ones asked for."""
        if not keys:
            specs = list(STANDARD_KEYS)
            unknown: list[str] = []
        else:
            found = [(key, _BY_LOWER.get(key.lower())) for key in dict.fromkeys(keys)]
            specs = [spec for _, spec in found if spec is not None]
            unknown = [key for key, spec in found if spec is None]
        return v16.GetConfigurationResponse(
            configuration_key=[
                v16.ConfigurationKey(key=spec.key, readonly=spec.readonly, value=self.get(spec.key))
                for spec in specs
            ],
            unknown_key=unknown if unknown else msgspec.UNSET,
        )


class Settings16:
    """Typed, live reads of the keys the core acts on (a ChangeConfiguration applies at the next read)."""

    def __init__(self, keys: Configuration) -> None:
        self.keys = keys

    @property
    def heartbeat_interval(self) -> int:
        return max(1, self.keys.get_int("HeartbeatInterval"))

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.keys.set("HeartbeatInterval", str(seconds))

    @property
    def message_timeout(self) -> int:
        return max(1, self.keys.get_int("MessageTimeout"))

    @property
    def message_attempts(self) -> int:
        return max(1, self.keys.get_int("TransactionMessageAttempts"))

    @property
    def message_attempt_interval(self) -> int:
        return self.keys.get_int("TransactionMessageRetryInterval")

    @property
    def max_energy_on_invalid_id(self) -> int:
        return max(0, self.keys.get_int("MaxEnergyOnInvalidId"))

    @property
    def sample_interval(self) -> int:
        return self.keys.get_int("MeterValueSampleInterval")

    @property
    def aligned_interval(self) -> int:
        return self.keys.get_int("ClockAlignedDataInterval")

    @property
    def sampled_measurands(self) -> list[str]:
        return self.keys.get_list("MeterValuesSampledData")

    @property
    def aligned_measurands(self) -> list[str]:
        return self.keys.get_list("MeterValuesAlignedData")

    @property
    def stop_txn_measurands(self) -> list[str]:
        return self.keys.get_list("StopTxnSampledData")

    @property
    def connection_timeout(self) -> int:
        return self.keys.get_int("ConnectionTimeOut")

    def flag(self, key: str) -> bool:
        return self.keys.get_bool(key)
