"""The station's device model (OCPP 2.0.1 part 1 chapter 4, part 2 appendix 3).

Components (``OCPPCommCtrlr``, ``EVSE`` #2, ``Connector`` 2/1, ...) hold variables, each with one or
more attributes (Actual, Target, MinSet, MaxSet). Which variables exist, their types, limits and
defaults is one table, ``STANDARD_VARIABLES``; the rest of this module only interprets it.

A station keeps just the values that differ from the table's defaults: a fleet has tens of
thousands of stations and most of them never get a SetVariables, so the table is shared and each
station pays for its overrides only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar, get_args

import msgspec

from fleet.ocpp import LocalProtocolError, v201

Scope = Literal["station", "evse", "connector"]

# Every simulated EVSE has one connector; the tables below are ready for more.
CONNECTORS_PER_EVSE = 1

_RW: v201.MutabilityEnum = "ReadWrite"
_RO: v201.MutabilityEnum = "ReadOnly"
_WO: v201.MutabilityEnum = "WriteOnly"

# Schema maxima (VariableAttribute.value, SetVariableData.attributeValue, StatusInfo fields).
_MAX_REPORTED_VALUE = 2500
_MAX_CONFIGURATION_VALUE = 1000
_MAX_REASON_CODE = 20
_MAX_ADDITIONAL_INFO = 512


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: hashed by identity, used as a dict key
class VariableSpec:
    """One row of the standard-variable table: a variable of a component, with its characteristics.

    ``default`` is the Actual value; ``other_attributes`` lists further attribute types and their
    defaults. For string-like data types ``min_limit``/``max_limit`` bound the length (spec).
    """

    component: str
    variable: str
    data_type: v201.DataEnum
    mutability: v201.MutabilityEnum
    default: str
    instance: str | None = None
    component_instance: str | None = None
    scope: Scope = "station"
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: str | None = None
    persistent: bool = True
    constant: bool = False
    other_attributes: tuple[tuple[v201.AttributeEnum, str], ...] = ()
    reboot_required: bool = False
    allow_empty: bool = True

    @property
    def attributes(self) -> tuple[v201.AttributeEnum, ...]:
        return ("Actual", *(attribute for attribute, _ in self.other_attributes))

    def default_of(self, attribute: v201.AttributeEnum) -> str | None:
        if attribute == "Actual":
            return self.default
        return dict(self.other_attributes).get(attribute)

    def __str__(self) -> str:
        component = self.component + (f"[{self.component_instance}]" if self.component_instance else "")
        variable = self.variable + (f"[{self.instance}]" if self.instance else "")
        return f"{component}.{variable}"


_MEASURANDS = ",".join(get_args(v201.MeasurandEnum))
_TX_POINTS = "ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer"
_AVAILABILITY_STATES = ",".join(get_args(v201.ConnectorStatusEnum))
_CONNECTOR_TYPES = ",".join(get_args(v201.ConnectorEnum))
_TIME_SOURCES = "Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter"
_FILE_TRANSFER_PROTOCOLS = "FTP,FTPS,HTTP,HTTPS,SFTP"

_V = VariableSpec
STANDARD_VARIABLES: tuple[VariableSpec, ...] = (
    # --- station-wide controllers -------------------------------------------------------------
    _V("OCPPCommCtrlr", "ActiveNetworkProfile", "integer", _RO, "0", persistent=False),
    _V("OCPPCommCtrlr", "FileTransferProtocols", "MemberList", _RO, "HTTP,HTTPS",
       values_list=_FILE_TRANSFER_PROTOCOLS, constant=True),
    _V("OCPPCommCtrlr", "HeartbeatInterval", "integer", _RW, "300", unit="s", min_limit=1),
    _V("OCPPCommCtrlr", "MessageTimeout", "integer", _RW, "30", instance="Default", unit="s", min_limit=1),
    _V("OCPPCommCtrlr", "MessageAttempts", "integer", _RW, "3", instance="TransactionEvent", min_limit=0),
    _V("OCPPCommCtrlr", "MessageAttemptInterval", "integer", _RW, "10", instance="TransactionEvent",
       unit="s", min_limit=0),
    _V("OCPPCommCtrlr", "NetworkConfigurationPriority", "SequenceList", _RW, "0", values_list="0,1,2",
       allow_empty=False, reboot_required=True),
    _V("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "integer", _RW, "3", min_limit=1),
    _V("OCPPCommCtrlr", "OfflineThreshold", "integer", _RW, "60", unit="s", min_limit=0),
    _V("OCPPCommCtrlr", "QueueAllMessages", "boolean", _RW, "false"),
    _V("OCPPCommCtrlr", "ResetRetries", "integer", _RW, "2", min_limit=0),
    _V("OCPPCommCtrlr", "RetryBackOffRandomRange", "integer", _RW, "10", unit="s", min_limit=0),
    _V("OCPPCommCtrlr", "RetryBackOffRepeatTimes", "integer", _RW, "5", min_limit=0),
    _V("OCPPCommCtrlr", "RetryBackOffWaitMinimum", "integer", _RW, "3", unit="s", min_limit=0),
    _V("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "boolean", _RW, "true"),
    _V("OCPPCommCtrlr", "WebSocketPingInterval", "integer", _RW, "0", unit="s", min_limit=0),
    _V("SampledDataCtrlr", "Enabled", "boolean", _RW, "true"),
    _V("SampledDataCtrlr", "SignReadings", "boolean", _RW, "false"),
    _V("SampledDataCtrlr", "RegisterValuesWithoutPhases", "boolean", _RW, "true"),
    _V("SampledDataCtrlr", "TxStartedMeasurands", "MemberList", _RW, "Energy.Active.Import.Register",
       values_list=_MEASURANDS),
    _V("SampledDataCtrlr", "TxUpdatedMeasurands", "MemberList", _RW,
       "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC",
       values_list=_MEASURANDS),
    _V("SampledDataCtrlr", "TxUpdatedInterval", "integer", _RW, "60", unit="s", min_limit=0),
    _V("SampledDataCtrlr", "TxEndedMeasurands", "MemberList", _RW, "Energy.Active.Import.Register",
       values_list=_MEASURANDS),
    _V("SampledDataCtrlr", "TxEndedInterval", "integer", _RW, "0", unit="s", min_limit=0),
    _V("AlignedDataCtrlr", "Enabled", "boolean", _RW, "true"),
    _V("AlignedDataCtrlr", "Interval", "integer", _RW, "900", unit="s", min_limit=0),  # 0 = off
    _V("AlignedDataCtrlr", "Measurands", "MemberList", _RW, "Energy.Active.Import.Register",
       values_list=_MEASURANDS),
    _V("AlignedDataCtrlr", "SendDuringIdle", "boolean", _RW, "false"),
    _V("AlignedDataCtrlr", "SignReadings", "boolean", _RW, "false"),
    _V("AlignedDataCtrlr", "TxEndedMeasurands", "MemberList", _RW, "Energy.Active.Import.Register",
       values_list=_MEASURANDS),
    _V("AlignedDataCtrlr", "TxEndedInterval", "integer", _RW, "0", unit="s", min_limit=0),
    _V("TxCtrlr", "EVConnectionTimeOut", "integer", _RW, "60", unit="s", min_limit=0),
    _V("TxCtrlr", "MaxEnergyOnInvalidId", "integer", _RW, "0", unit="Wh", min_limit=0),
    _V("TxCtrlr", "StopTxOnEVSideDisconnect", "boolean", _RW, "true"),
    _V("TxCtrlr", "StopTxOnInvalidId", "boolean", _RW, "true"),
    _V("TxCtrlr", "TxBeforeAcceptedEnabled", "boolean", _RW, "false"),
    _V("TxCtrlr", "TxStartPoint", "MemberList", _RW, "PowerPathClosed", values_list=_TX_POINTS,
       allow_empty=False),
    _V("TxCtrlr", "TxStopPoint", "MemberList", _RW, "EVConnected,Authorized", values_list=_TX_POINTS,
       allow_empty=False),
    _V("AuthCtrlr", "Enabled", "boolean", _RW, "true"),
    _V("AuthCtrlr", "AuthorizeRemoteStart", "boolean", _RW, "false"),
    _V("AuthCtrlr", "DisableRemoteAuthorization", "boolean", _RW, "false"),
    _V("AuthCtrlr", "LocalAuthorizeOffline", "boolean", _RW, "true"),
    _V("AuthCtrlr", "LocalPreAuthorize", "boolean", _RW, "false"),
    # true: a simulated driver charges through a CSMS outage unless the station knows better
    _V("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "boolean", _RW, "true"),
    _V("AuthCacheCtrlr", "Available", "boolean", _RO, "true", constant=True),
    _V("AuthCacheCtrlr", "Enabled", "boolean", _RW, "true"),
    _V("AuthCacheCtrlr", "Policy", "OptionList", _RW, "LRU", values_list="LRU,LFU,FIFO,CUSTOM"),
    _V("AuthCacheCtrlr", "LifeTime", "integer", _RW, "86400", unit="s", min_limit=0),
    _V("LocalAuthListCtrlr", "Enabled", "boolean", _RW, "true"),
    _V("LocalAuthListCtrlr", "Entries", "integer", _RO, "0", persistent=False),
    _V("LocalAuthListCtrlr", "ItemsPerMessage", "integer", _RO, "100", constant=True),
    _V("LocalAuthListCtrlr", "BytesPerMessage", "integer", _RO, "65536", unit="B", constant=True),
    _V("ReservationCtrlr", "Enabled", "boolean", _RW, "true"),
    _V("ReservationCtrlr", "NonEvseSpecific", "boolean", _RW, "true"),
    _V("SmartChargingCtrlr", "Enabled", "boolean", _RW, "true"),
    _V("SmartChargingCtrlr", "ProfileStackLevel", "integer", _RO, "10", constant=True),
    _V("SmartChargingCtrlr", "RateUnit", "MemberList", _RO, "A,W", values_list="A,W", constant=True),
    _V("SmartChargingCtrlr", "LimitChangeSignificance", "decimal", _RW, "1.0", unit="Percent",
       min_limit=0, max_limit=100),
    _V("DeviceModelCtrlr", "ItemsPerMessage", "integer", _RO, "20", instance="GetReport", constant=True),
    _V("DeviceModelCtrlr", "ItemsPerMessage", "integer", _RO, "50", instance="GetVariables", constant=True),
    _V("DeviceModelCtrlr", "ItemsPerMessage", "integer", _RO, "50", instance="SetVariables", constant=True),
    _V("DeviceModelCtrlr", "BytesPerMessage", "integer", _RO, "65536", instance="GetReport", unit="B",
       constant=True),
    _V("DeviceModelCtrlr", "BytesPerMessage", "integer", _RO, "65536", instance="GetVariables", unit="B",
       constant=True),
    _V("DeviceModelCtrlr", "BytesPerMessage", "integer", _RO, "65536", instance="SetVariables", unit="B",
       constant=True),
    _V("DeviceModelCtrlr", "ConfigurationValueSize", "integer", _RO, str(_MAX_CONFIGURATION_VALUE),
       constant=True),
    _V("DeviceModelCtrlr", "ReportingValueSize", "integer", _RO, str(_MAX_REPORTED_VALUE), constant=True),
    _V("SecurityCtrlr", "Identity", "string", _RO, "", max_limit=48),  # set to the station id
    _V("SecurityCtrlr", "SecurityProfile", "integer", _RO, "1", min_limit=0, max_limit=3),
    _V("SecurityCtrlr", "BasicAuthPassword", "string", _WO, "", min_limit=16, max_limit=40),
    _V("SecurityCtrlr", "OrganizationName", "string", _RW, "ocpp-fleet", max_limit=50),
    _V("SecurityCtrlr", "CertificateEntries", "integer", _RO, "0", persistent=False),
    _V("MonitoringCtrlr", "Available", "boolean", _RO, "true", constant=True),
    _V("MonitoringCtrlr", "Enabled", "boolean", _RW, "true"),  # false: no NotifyEvent at all
    _V("ClockCtrlr", "DateTime", "dateTime", _RO, "1970-01-01T00:00:00Z", persistent=False),
    _V("ClockCtrlr", "TimeSource", "SequenceList", _RW, "Heartbeat", values_list=_TIME_SOURCES,
       allow_empty=False),
    _V("ChargingStation", "AvailabilityState", "OptionList", _RO, "Available",
       values_list=_AVAILABILITY_STATES, persistent=False),
    _V("ChargingStation", "Available", "boolean", _RO, "true"),
    _V("ChargingStation", "Model", "string", _RO, "fleet-sim", max_limit=20, constant=True),
    _V("ChargingStation", "VendorName", "string", _RO, "ocpp-fleet", max_limit=50, constant=True),
    _V("ChargingStation", "Problem", "boolean", _RO, "false", persistent=False),
    _V("ChargingStation", "SupplyPhases", "integer", _RO, "3", constant=True),
    # --- per EVSE (evse id 1..n) ----------------------------------------------------------------
    _V("EVSE", "AvailabilityState", "OptionList", _RO, "Available", scope="evse",
       values_list=_AVAILABILITY_STATES, persistent=False),
    _V("EVSE", "Available", "boolean", _RO, "true", scope="evse"),
    _V("EVSE", "Power", "decimal", _RO, "0", scope="evse", unit="W", min_limit=0, max_limit=22000,
       other_attributes=(("MaxSet", "22000"),), persistent=False),
    _V("EVSE", "Problem", "boolean", _RO, "false", scope="evse", persistent=False),
    _V("EVSE", "SupplyPhases", "integer", _RO, "3", scope="evse", constant=True),
    # --- per connector (evse n, connector 1) ----------------------------------------------------
    _V("Connector", "AvailabilityState", "OptionList", _RO, "Available", scope="connector",
       values_list=_AVAILABILITY_STATES, persistent=False),
    _V("Connector", "Available", "boolean", _RO, "true", scope="connector"),
    _V("Connector", "ConnectorType", "OptionList", _RO, "cType2", scope="connector",
       values_list=_CONNECTOR_TYPES, constant=True),
    _V("Connector", "Problem", "boolean", _RO, "false", scope="connector", persistent=False),
    _V("Connector", "SupplyPhases", "integer", _RO, "3", scope="connector", constant=True),
)  # fmt: skip


# --- the table, indexed ------------------------------------------------------------------------

ComponentKey = tuple[str, str | None]  # (name, instance)
VariableKey = tuple[str, str | None]  # (name, instance)
Location = tuple[int | None, int | None]  # (evse id, connector id)


@dataclass(frozen=True, slots=True)
class _Component:
    scope: Scope
    variables: dict[VariableKey, VariableSpec]


def _index(specs: tuple[VariableSpec, ...]) -> dict[ComponentKey, _Component]:
    index: dict[ComponentKey, _Component] = {}
    for spec in specs:
        component = index.setdefault((spec.component, spec.component_instance), _Component(spec.scope, {}))
        if component.scope != spec.scope:
            raise ValueError(f"{spec}: scope {spec.scope!r} differs from earlier rows ({component.scope!r})")
        key = (spec.variable, spec.instance)
        if key in component.variables:
            raise ValueError(f"{spec}: listed twice in the standard-variable table")
        if spec.values_list is not None and len(spec.values_list) > 1000:
            raise ValueError(f"{spec}: valuesList is longer than the schema's 1000 characters")
        component.variables[key] = spec
    return index


_INDEX = _index(STANDARD_VARIABLES)
_BY_SCOPE: dict[Scope, tuple[VariableSpec, ...]] = {
    scope: tuple(spec for spec in STANDARD_VARIABLES if spec.scope == scope) for scope in get_args(Scope)
}


# --- value checks for SetVariables, one per data type ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Refusal:
    reason_code: str  # StatusInfo.reasonCode, at most 20 characters
    info: str


_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _in_range(spec: VariableSpec, number: float, what: str) -> _Refusal | None:
    if spec.min_limit is not None and number < spec.min_limit:
        return _Refusal("OutOfRange", f"{spec}: {what} {number:g} is below the minimum {spec.min_limit:g}")
    if spec.max_limit is not None and number > spec.max_limit:
        return _Refusal("OutOfRange", f"{spec}: {what} {number:g} is above the maximum {spec.max_limit:g}")
    return None


def _check_integer(spec: VariableSpec, value: str) -> str | _Refusal:
    if not _INTEGER.fullmatch(value):
        return _Refusal("InvalidValue", f"{spec}: expected an integer, got {value!r}")
    number = int(value)
    if not -(2**31) <= number < 2**31:  # OCPP 2.0.1 part 2, primitive datatypes: 32-bit signed
        return _Refusal("OutOfRange", f"{spec}: {value[:24]!r} is no 32-bit integer")
    return _in_range(spec, number, "value") or str(number)


def _check_decimal(spec: VariableSpec, value: str) -> str | _Refusal:
    if not _DECIMAL.fullmatch(value):
        return _Refusal("InvalidValue", f"{spec}: expected a decimal number, got {value!r}")
    return _in_range(spec, float(value), "value") or value


def _check_boolean(spec: VariableSpec, value: str) -> str | _Refusal:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        return _Refusal("InvalidValue", f"{spec}: expected true or false, got {value!r}")
    return lowered


def _check_string(spec: VariableSpec, value: str) -> str | _Refusal:
    return _in_range(spec, len(value), "length") or value


def _check_date_time(spec: VariableSpec, value: str) -> str | _Refusal:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _Refusal("InvalidValue", f"{spec}: expected an RFC 3339 date-time, got {value!r}")
    if parsed.tzinfo is None:
        return _Refusal("InvalidValue", f"{spec}: date-time {value!r} has no time zone")
    return value


def _check_option(spec: VariableSpec, value: str) -> str | _Refusal:
    allowed = (spec.values_list or "").split(",")
    if value not in allowed:
        return _Refusal("InvalidValue", f"{spec}: {value!r} is not one of {spec.values_list}")
    return _check_string(spec, value)


def _check_list(spec: VariableSpec, value: str) -> str | _Refusal:
    members = [member.strip() for member in value.split(",")] if value.strip() else []
    if not members and not spec.allow_empty:
        return _Refusal("InvalidValue", f"{spec}: needs at least one of {spec.values_list}")
    if "" in members:
        return _Refusal("InvalidValue", f"{spec}: empty member in {value!r}")
    if len(set(members)) != len(members):
        return _Refusal("InvalidValue", f"{spec}: duplicate member in {value!r}")
    if spec.values_list is not None:
        allowed = set(spec.values_list.split(","))
        unknown = [member for member in members if member not in allowed]
        if unknown:
            return _Refusal("InvalidValue", f"{spec}: {','.join(unknown)} not among {spec.values_list}")
    return _check_string(spec, ",".join(members))


_CHECKS: dict[str, Callable[[VariableSpec, str], str | _Refusal]] = {
    "integer": _check_integer,
    "decimal": _check_decimal,
    "boolean": _check_boolean,
    "string": _check_string,
    "dateTime": _check_date_time,
    "OptionList": _check_option,
    "MemberList": _check_list,
    "SequenceList": _check_list,
}
assert set(_CHECKS) == set(get_args(v201.DataEnum)), "every OCPP data type needs a check"


# --- the device model of one station -----------------------------------------------------------

_T = TypeVar("_T")


def _unset_to_none(value: _T | msgspec.UnsetType) -> _T | None:
    return None if isinstance(value, msgspec.UnsetType) else value


def _none_to_unset(value: _T | None) -> _T | msgspec.UnsetType:
    return msgspec.UNSET if value is None else value


def _refusal_info(invalid: _Refusal | None) -> v201.StatusInfo | msgspec.UnsetType:
    """Why a variable was refused, for the result's statusInfo (unset when it was not)."""
    return msgspec.UNSET if invalid is None else _status_info(invalid.reason_code, invalid.info)


def _status_info(reason_code: str, info: str) -> v201.StatusInfo:
    return v201.StatusInfo(
        reason_code=reason_code[:_MAX_REASON_CODE], additional_info=info[:_MAX_ADDITIONAL_INFO]
    )


# (component, variable, default, instance, evse id) of a typed read
_ReadKey = tuple[str, str, object, str | None, int | None]


class DeviceModel:
    """The components and variables of one charging station, and the OCPP operations on them.

    The station core reads its configuration here (``get_int`` & co.), records state changes with
    ``set_actual``, and answers SetVariables, GetVariables and GetBaseReport with the methods below.
    """

    __slots__ = ("_bool_reads", "_evse_count", "_int_reads", "_list_reads", "_values")

    def __init__(self, *, evse_count: int, station_id: str) -> None:
        if evse_count < 0:
            raise LocalProtocolError(f"DeviceModel: evse_count must be 0 or more, got {evse_count}")
        self._evse_count = evse_count
        self._values: dict[tuple[VariableSpec, Location, v201.AttributeEnum], str] = {}
        # parsed typed reads (get_int & co.), the station core's hottest path: cleared on every
        # write, so a SetVariables still takes effect at the very next read
        self._int_reads: dict[_ReadKey, int] = {}
        self._bool_reads: dict[_ReadKey, bool] = {}
        self._list_reads: dict[_ReadKey, tuple[str, ...]] = {}
        self.set_actual("SecurityCtrlr", "Identity", station_id)

    def _store(self, key: tuple[VariableSpec, Location, v201.AttributeEnum], value: str) -> None:
        self._values[key] = value
        self._int_reads.clear()
        self._bool_reads.clear()
        self._list_reads.clear()

    # --- reads and internal writes (the station core) -------------------------------------------

    def get(
        self,
        component: str,
        variable: str,
        *,
        evse_id: int | None = None,
        instance: str | None = None,
        connector_id: int | None = None,
        attribute: v201.AttributeEnum = "Actual",
    ) -> str | None:
        """The attribute's value (WriteOnly ones too: the station needs its password), or None
        when the station has no such component, variable or attribute."""
        found = self._find(component, None, evse_id, connector_id, variable, instance)
        if isinstance(found, str):
            return None
        return self._value(*found, attribute)

    def get_int(
        self,
        component: str,
        variable: str,
        default: int,
        *,
        instance: str | None = None,
        evse_id: int | None = None,
    ) -> int:
        return self.read_int((component, variable, default, instance, evse_id))

    def read_int(self, key: _ReadKey) -> int:
        """``get_int`` by a key built once (a module constant): the settings read on every
        message skip building it."""
        cached = self._int_reads.get(key)
        if cached is None:
            component, variable, default, instance, evse_id = key
            assert isinstance(default, int)
            value = self.get(component, variable, evse_id=evse_id, instance=instance)
            cached = default if value is None or not _INTEGER.fullmatch(value) else int(value)
            self._int_reads[key] = cached
        return cached

    def get_bool(
        self,
        component: str,
        variable: str,
        default: bool,
        *,
        instance: str | None = None,
        evse_id: int | None = None,
    ) -> bool:
        key = (component, variable, default, instance, evse_id)
        cached = self._bool_reads.get(key)
        if cached is None:
            value = self.get(component, variable, evse_id=evse_id, instance=instance)
            text = value.lower() if value is not None else ""
            cached = text == "true" if text in ("true", "false") else default
            self._bool_reads[key] = cached
        return cached

    def get_list(
        self,
        component: str,
        variable: str,
        default: list[str],
        *,
        instance: str | None = None,
        evse_id: int | None = None,
    ) -> list[str]:
        """Members of a comma-separated value; an empty value is an empty list, not the default."""
        key = (component, variable, tuple(default), instance, evse_id)
        cached = self._list_reads.get(key)
        if cached is None:
            value = self.get(component, variable, evse_id=evse_id, instance=instance)
            if value is None:
                cached = tuple(default)
            else:
                cached = tuple(member.strip() for member in value.split(",") if member.strip())
            self._list_reads[key] = cached
        return list(cached)

    def set_actual(
        self,
        component: str,
        variable: str,
        value: str,
        *,
        evse_id: int | None = None,
        instance: str | None = None,
        connector_id: int | None = None,
        attribute: v201.AttributeEnum = "Actual",
    ) -> None:
        """Record a value the station itself decided (mutability and limits do not apply: the CSMS
        may, e.g., send a HeartbeatInterval the table's minimum would refuse)."""
        found = self._find(component, None, evse_id, connector_id, variable, instance)
        where = f"{component}.{variable}" + (f"[{instance}]" if instance else "")
        if evse_id is not None:
            where += f" on EVSE {evse_id}"
        if isinstance(found, str):
            raise LocalProtocolError(f"set_actual({where}): {found} (evse_count={self._evse_count})")
        spec, location = found
        if attribute not in spec.attributes:
            raise LocalProtocolError(f"set_actual({where}): has no {attribute} attribute")
        self._store((spec, location, attribute), value)

    @property
    def items_per_message(self) -> int:
        """DeviceModelCtrlr.ItemsPerMessage[GetReport]: ReportData entries per NotifyReport."""
        return self.get_int("DeviceModelCtrlr", "ItemsPerMessage", 20, instance="GetReport")

    # --- OCPP operations --------------------------------------------------------------------------

    def set_variables(self, request: v201.SetVariablesRequest) -> v201.SetVariablesResponse:
        """Apply each SetVariableData in order; one result per item, in the request's order."""
        return v201.SetVariablesResponse(
            set_variable_result=[self._set_one(data) for data in request.set_variable_data]
        )

    def get_variables(self, request: v201.GetVariablesRequest) -> v201.GetVariablesResponse:
        return v201.GetVariablesResponse(
            get_variable_result=[self._get_one(data) for data in request.get_variable_data]
        )

    def report(self, base: str) -> list[v201.ReportData]:
        """ReportData for GetBaseReport: ConfigurationInventory (what the CSMS may write),
        FullInventory (everything) or SummaryInventory (availability states and active problems)."""
        wanted = _REPORT_FILTERS.get(base)
        if wanted is None:
            raise LocalProtocolError(
                f"report: unknown report base {base!r}; use one of {list(_REPORT_FILTERS)}"
            )
        return [
            self._report_data(spec, location)
            for spec, location in self._all_variables()
            if wanted(spec, self._value(spec, location, "Actual"))
        ]

    # --- internals --------------------------------------------------------------------------------

    def check_exists(
        self, component: v201.Component, variable: v201.Variable
    ) -> Literal["UnknownComponent", "UnknownVariable"] | None:
        """None when the station has this variable (for SetVariableMonitoring), else what is unknown."""
        found = self._find_requested(component, variable)
        return found if isinstance(found, str) else None

    def _find(
        self,
        component: str,
        component_instance: str | None,
        evse_id: int | None,
        connector_id: int | None,
        variable: str,
        variable_instance: str | None,
    ) -> tuple[VariableSpec, Location] | Literal["UnknownComponent", "UnknownVariable"]:
        found = _INDEX.get((component, component_instance))
        if found is None:
            return "UnknownComponent"
        location = self._locate(found.scope, evse_id, connector_id)
        if location is None:
            return "UnknownComponent"
        spec = found.variables.get((variable, variable_instance))
        if spec is None:
            return "UnknownVariable"
        return spec, location

    def _locate(self, scope: Scope, evse_id: int | None, connector_id: int | None) -> Location | None:
        if scope == "station":
            return (None, None) if evse_id is None and connector_id is None else None
        if evse_id is None or not 1 <= evse_id <= self._evse_count:
            return None
        if scope == "evse":
            return (evse_id, None) if connector_id is None else None
        # Lenient on purpose: with one connector per EVSE, "the connector of EVSE n" is unambiguous.
        if connector_id is None and CONNECTORS_PER_EVSE == 1:
            connector_id = 1
        if connector_id is None or not 1 <= connector_id <= CONNECTORS_PER_EVSE:
            return None
        return (evse_id, connector_id)

    def _find_requested(
        self, component: v201.Component, variable: v201.Variable
    ) -> tuple[VariableSpec, Location] | Literal["UnknownComponent", "UnknownVariable"]:
        evse = _unset_to_none(component.evse)
        return self._find(
            component.name,
            _unset_to_none(component.instance),
            None if evse is None else evse.id,
            None if evse is None else _unset_to_none(evse.connector_id),
            variable.name,
            _unset_to_none(variable.instance),
        )

    def _value(self, spec: VariableSpec, location: Location, attribute: v201.AttributeEnum) -> str | None:
        value = self._values.get((spec, location, attribute))
        return value if value is not None else spec.default_of(attribute)

    def _set_one(self, data: v201.SetVariableData) -> v201.SetVariableResult:
        attribute: v201.AttributeEnum = _unset_to_none(data.attribute_type) or "Actual"

        def result(
            status: v201.SetVariableStatusEnum, invalid: _Refusal | None = None
        ) -> v201.SetVariableResult:
            return v201.SetVariableResult(
                attribute_status=status,
                component=data.component,
                variable=data.variable,
                attribute_type=attribute,
                attribute_status_info=_refusal_info(invalid),
            )

        found = self._find_requested(data.component, data.variable)
        if isinstance(found, str):
            return result(found)
        spec, location = found
        if attribute not in spec.attributes:
            return result("NotSupportedAttributeType")
        if spec.mutability == "ReadOnly":
            return result("Rejected", _Refusal("ReadOnly", f"{spec} is read-only"))
        limit = self.get_int("DeviceModelCtrlr", "ConfigurationValueSize", _MAX_CONFIGURATION_VALUE)
        if len(data.attribute_value) > limit:
            return result(
                "Rejected", _Refusal("TooLong", f"{spec}: values are limited to {limit} characters")
            )
        checked = _CHECKS[spec.data_type](spec, data.attribute_value)
        if isinstance(checked, _Refusal):
            return result("Rejected", checked)
        self._store((spec, location, attribute), checked)
        return result("RebootRequired" if spec.reboot_required else "Accepted")

    def _get_one(self, data: v201.GetVariableData) -> v201.GetVariableResult:
        attribute: v201.AttributeEnum = _unset_to_none(data.attribute_type) or "Actual"

        def result(
            status: v201.GetVariableStatusEnum, value: str | None = None, invalid: _Refusal | None = None
        ) -> v201.GetVariableResult:
            return v201.GetVariableResult(
                attribute_status=status,
                component=data.component,
                variable=data.variable,
                attribute_type=attribute,
                attribute_value=_none_to_unset(value),
                attribute_status_info=_refusal_info(invalid),
            )

        found = self._find_requested(data.component, data.variable)
        if isinstance(found, str):
            return result(found)
        spec, location = found
        value = self._value(spec, location, attribute)
        if value is None:
            return result("NotSupportedAttributeType")
        if spec.mutability == "WriteOnly":
            return result("Rejected", invalid=_Refusal("WriteOnly", f"{spec} is write-only"))
        return result("Accepted", self._truncated(value))

    def _truncated(self, value: str) -> str:
        # The spec truncates over-long values to ReportingValueSize rather than failing the request.
        limit = self.get_int("DeviceModelCtrlr", "ReportingValueSize", _MAX_REPORTED_VALUE)
        return value[: min(limit, _MAX_REPORTED_VALUE)]

    def _all_variables(self) -> Iterator[tuple[VariableSpec, Location]]:
        """Every variable at every location: the station, then each EVSE followed by its connectors."""
        for spec in _BY_SCOPE["station"]:
            yield spec, (None, None)
        for evse_id in range(1, self._evse_count + 1):
            for spec in _BY_SCOPE["evse"]:
                yield spec, (evse_id, None)
            for connector_id in range(1, CONNECTORS_PER_EVSE + 1):
                for spec in _BY_SCOPE["connector"]:
                    yield spec, (evse_id, connector_id)

    def _report_data(self, spec: VariableSpec, location: Location) -> v201.ReportData:
        evse_id, connector_id = location
        component = v201.Component(
            name=spec.component,
            instance=_none_to_unset(spec.component_instance),
            evse=(
                msgspec.UNSET
                if evse_id is None
                else v201.EVSE(id=evse_id, connector_id=_none_to_unset(connector_id))
            ),
        )
        attributes = []
        for attribute in spec.attributes:
            value = self._value(spec, location, attribute)
            attributes.append(
                v201.VariableAttribute(
                    type=attribute,
                    value=(
                        msgspec.UNSET
                        if spec.mutability == "WriteOnly" or value is None
                        else self._truncated(value)
                    ),
                    mutability=spec.mutability,
                    persistent=spec.persistent,
                    constant=spec.constant,
                )
            )
        return v201.ReportData(
            component=component,
            variable=v201.Variable(name=spec.variable, instance=_none_to_unset(spec.instance)),
            variable_attribute=attributes,
            variable_characteristics=v201.VariableCharacteristics(
                data_type=spec.data_type,
                supports_monitoring=False,  # variable monitoring is not simulated
                unit=_none_to_unset(spec.unit),
                min_limit=_none_to_unset(spec.min_limit),
                max_limit=_none_to_unset(spec.max_limit),
                values_list=_none_to_unset(spec.values_list),
            ),
        )


def _in_summary(spec: VariableSpec, actual: str | None) -> bool:
    # B07: the summary names the availability of station, EVSEs and connectors, and what is broken.
    return spec.variable == "AvailabilityState" or (spec.variable == "Problem" and actual == "true")


_REPORT_FILTERS: dict[str, Callable[[VariableSpec, str | None], bool]] = {
    "ConfigurationInventory": lambda spec, _actual: spec.mutability != "ReadOnly",
    "FullInventory": lambda _spec, _actual: True,
    "SummaryInventory": _in_summary,
}
