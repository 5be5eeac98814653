"""The station's device model: defaults, SetVariables/GetVariables rules, base reports, and that every
message built from it validates against the official OCPP 2.0.1 schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import ocpp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.ocpp import LocalProtocolError, decode_payload, encode_call, encode_call_result, v201
from fleet.station._device_model import CONNECTORS_PER_EVSE, STANDARD_VARIABLES, DeviceModel

EVSE_COUNT = 2
SCHEMAS = Path(ocpp.__file__).parent / "v201" / "schemas"


@cache
def validator(name: str) -> jsonschema.Draft6Validator:
    return jsonschema.Draft6Validator(json.loads((SCHEMAS / f"{name}.json").read_text()))


def assert_valid(name: str, payload: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(payload)]
    assert not errors, f"{name} does not validate: {errors}"


def wire_payload(frame: str) -> Any:
    return json.loads(frame)[-1]


def model() -> DeviceModel:
    return DeviceModel(evse_count=EVSE_COUNT, station_id="CS-0001")


def component(
    name: str, *, evse: int | None = None, connector: int | None = None, instance: str | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {"name": name}
    if evse is not None:
        result["evse"] = {"id": evse} if connector is None else {"id": evse, "connectorId": connector}
    if instance is not None:
        result["instance"] = instance
    return result


def variable(name: str, instance: str | None = None) -> dict[str, Any]:
    return {"name": name} if instance is None else {"name": name, "instance": instance}


def set_request(*items: dict[str, Any]) -> v201.SetVariablesRequest:
    """Build the request as a CSMS would send it: JSON checked against the official schema, then decoded."""
    payload = {"setVariableData": list(items)}
    assert_valid("SetVariablesRequest", payload)
    return decode_payload(
        msgspec.json.encode(payload), v201.SetVariablesRequest, unique_id="1", action="SetVariables"
    )


def get_request(*items: dict[str, Any]) -> v201.GetVariablesRequest:
    payload = {"getVariableData": list(items)}
    assert_valid("GetVariablesRequest", payload)
    return decode_payload(
        msgspec.json.encode(payload), v201.GetVariablesRequest, unique_id="1", action="GetVariables"
    )


def set_item(
    comp: dict[str, Any], var: dict[str, Any], value: str, attribute: str | None = None
) -> dict[str, Any]:
    item = {"component": comp, "variable": var, "attributeValue": value}
    if attribute is not None:
        item["attributeType"] = attribute
    return item


def get_item(comp: dict[str, Any], var: dict[str, Any], attribute: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"component": comp, "variable": var}
    if attribute is not None:
        item["attributeType"] = attribute
    return item


def set_one(dm: DeviceModel, item: dict[str, Any]) -> v201.SetVariableResult:
    response = dm.set_variables(set_request(item))
    assert_valid("SetVariablesResponse", wire_payload(encode_call_result("1", response)))
    [result] = response.set_variable_result
    return result


def get_one(dm: DeviceModel, item: dict[str, Any]) -> v201.GetVariableResult:
    response = dm.get_variables(get_request(item))
    assert_valid("GetVariablesResponse", wire_payload(encode_call_result("1", response)))
    [result] = response.get_variable_result
    return result


def reason(result: v201.SetVariableResult | v201.GetVariableResult) -> str | None:
    info = result.attribute_status_info
    return None if isinstance(info, msgspec.UnsetType) else info.reason_code


# --- defaults and the station core's API --------------------------------------------------------

# (component, variable, variable instance, evse, expected Actual) from the task's list of musts
REQUIRED_DEFAULTS = [
    ("OCPPCommCtrlr", "HeartbeatInterval", None, None, "300"),
    ("OCPPCommCtrlr", "MessageTimeout", "Default", None, "30"),
    ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent", None, "3"),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent", None, "10"),
    ("OCPPCommCtrlr", "OfflineThreshold", None, None, "60"),
    ("OCPPCommCtrlr", "ResetRetries", None, None, "2"),
    ("SampledDataCtrlr", "Enabled", None, None, "true"),
    ("SampledDataCtrlr", "TxUpdatedInterval", None, None, "60"),
    (
        "SampledDataCtrlr",
        "TxUpdatedMeasurands",
        None,
        None,
        "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC",
    ),
    ("SampledDataCtrlr", "TxEndedMeasurands", None, None, "Energy.Active.Import.Register"),
    ("AlignedDataCtrlr", "Interval", None, None, "900"),
    ("TxCtrlr", "TxStartPoint", None, None, "PowerPathClosed"),
    ("TxCtrlr", "TxStopPoint", None, None, "EVConnected,Authorized"),
    ("TxCtrlr", "EVConnectionTimeOut", None, None, "60"),
    ("TxCtrlr", "StopTxOnEVSideDisconnect", None, None, "true"),
    ("TxCtrlr", "StopTxOnInvalidId", None, None, "true"),
    ("AuthCtrlr", "Enabled", None, None, "true"),
    ("AuthCtrlr", "AuthorizeRemoteStart", None, None, "false"),
    ("AuthCtrlr", "LocalPreAuthorize", None, None, "false"),
    ("SecurityCtrlr", "Identity", None, None, "CS-0001"),
    ("SecurityCtrlr", "SecurityProfile", None, None, "1"),
    ("ChargingStation", "AvailabilityState", None, None, "Available"),
    ("EVSE", "AvailabilityState", None, 1, "Available"),
    ("EVSE", "AvailabilityState", None, EVSE_COUNT, "Available"),
    ("Connector", "AvailabilityState", None, 1, "Available"),
]


@pytest.mark.parametrize(("comp", "var", "instance", "evse", "expected"), REQUIRED_DEFAULTS)
def test_required_variables_have_their_defaults(
    comp: str, var: str, instance: str | None, evse: int | None, expected: str
) -> None:
    assert model().get(comp, var, evse_id=evse, instance=instance) == expected


@pytest.mark.parametrize(
    ("comp", "var", "instance"),
    [
        ("SampledDataCtrlr", "TxStartedMeasurands", None),
        ("SampledDataCtrlr", "TxEndedInterval", None),
        ("AlignedDataCtrlr", "Enabled", None),
        ("AlignedDataCtrlr", "Measurands", None),
        ("AlignedDataCtrlr", "TxEndedMeasurands", None),
        ("AlignedDataCtrlr", "TxEndedInterval", None),
        ("TxCtrlr", "MaxEnergyOnInvalidId", None),
        ("AuthCtrlr", "LocalAuthorizeOffline", None),
        ("AuthCacheCtrlr", "Enabled", None),
        ("DeviceModelCtrlr", "ItemsPerMessage", "GetReport"),
        ("DeviceModelCtrlr", "ItemsPerMessage", "GetVariables"),
        ("DeviceModelCtrlr", "BytesPerMessage", "GetReport"),
        ("ChargingStation", "Available", None),
        ("ChargingStation", "Model", None),
        ("ChargingStation", "VendorName", None),
        ("ClockCtrlr", "DateTime", None),
    ],
)
def test_other_required_variables_exist(comp: str, var: str, instance: str | None) -> None:
    assert model().get(comp, var, instance=instance) is not None


def test_every_evse_and_connector_has_its_variables() -> None:
    dm = model()
    for evse in range(1, EVSE_COUNT + 1):
        assert dm.get("EVSE", "Power", evse_id=evse) is not None
        assert dm.get("Connector", "ConnectorType", evse_id=evse) is not None
        assert dm.get("Connector", "AvailabilityState", evse_id=evse, connector_id=1) is not None
    assert dm.get("EVSE", "AvailabilityState", evse_id=EVSE_COUNT + 1) is None
    assert dm.get("EVSE", "AvailabilityState") is None  # an EVSE variable needs an evse id
    assert dm.get("Connector", "AvailabilityState", evse_id=1, connector_id=CONNECTORS_PER_EVSE + 1) is None


def test_typed_getters_parse_values_and_fall_back_to_the_default() -> None:
    dm = model()
    assert dm.get_int("OCPPCommCtrlr", "MessageTimeout", -1, instance="Default") == 30
    assert dm.get_int("OCPPCommCtrlr", "NoSuchVariable", -1) == -1
    assert dm.get_int("OCPPCommCtrlr", "MessageTimeout", -1) == -1  # the variable has an instance
    assert dm.get_bool("AuthCtrlr", "Enabled", False) is True
    assert dm.get_bool("AuthCtrlr", "AuthorizeRemoteStart", True) is False
    assert dm.get_bool("NoSuchCtrlr", "Enabled", True) is True
    assert dm.get_list("TxCtrlr", "TxStopPoint", []) == ["EVConnected", "Authorized"]
    assert dm.get_list("TxCtrlr", "NoSuchList", ["x"]) == ["x"]
    dm.set_actual("OCPPCommCtrlr", "HeartbeatInterval", "not a number")
    assert dm.get_int("OCPPCommCtrlr", "HeartbeatInterval", 7) == 7
    dm.set_actual("AlignedDataCtrlr", "Measurands", "")
    assert dm.get_list("AlignedDataCtrlr", "Measurands", ["default"]) == []


def test_items_per_message_is_the_get_report_limit() -> None:
    dm = model()
    assert dm.items_per_message == int(
        dm.get("DeviceModelCtrlr", "ItemsPerMessage", instance="GetReport") or 0
    )
    assert dm.items_per_message > 0


def test_set_actual_updates_one_location_only() -> None:
    dm = model()
    dm.set_actual("OCPPCommCtrlr", "HeartbeatInterval", "42")
    dm.set_actual("EVSE", "AvailabilityState", "Occupied", evse_id=2)
    dm.set_actual("Connector", "AvailabilityState", "Faulted", evse_id=2)
    assert dm.get_int("OCPPCommCtrlr", "HeartbeatInterval", 0) == 42
    assert dm.get("EVSE", "AvailabilityState", evse_id=2) == "Occupied"
    assert dm.get("EVSE", "AvailabilityState", evse_id=1) == "Available"
    assert dm.get("Connector", "AvailabilityState", evse_id=2, connector_id=1) == "Faulted"
    assert model().get_int("OCPPCommCtrlr", "HeartbeatInterval", 0) == 300  # no state shared between stations


def test_set_actual_bypasses_mutability_but_not_existence() -> None:
    dm = model()
    dm.set_actual("ChargingStation", "AvailabilityState", "Unavailable")
    assert dm.get("ChargingStation", "AvailabilityState") == "Unavailable"
    with pytest.raises(LocalProtocolError, match="UnknownVariable"):
        dm.set_actual("OCPPCommCtrlr", "NoSuchVariable", "1")
    with pytest.raises(LocalProtocolError, match="UnknownComponent"):
        dm.set_actual("EVSE", "AvailabilityState", "Available", evse_id=EVSE_COUNT + 1)
    with pytest.raises(LocalProtocolError, match="Target"):
        dm.set_actual("OCPPCommCtrlr", "HeartbeatInterval", "1", attribute="Target")


def test_negative_evse_count_is_refused() -> None:
    with pytest.raises(LocalProtocolError, match="evse_count"):
        DeviceModel(evse_count=-1, station_id="CS")


# --- SetVariables -------------------------------------------------------------------------------


def test_set_variables_accepts_and_stores() -> None:
    dm = model()
    result = set_one(dm, set_item(component("OCPPCommCtrlr"), variable("HeartbeatInterval"), "120"))
    assert (result.attribute_status, result.attribute_type) == ("Accepted", "Actual")
    assert dm.get_int("OCPPCommCtrlr", "HeartbeatInterval", 0) == 120
    assert (
        get_one(dm, get_item(component("OCPPCommCtrlr"), variable("HeartbeatInterval"))).attribute_value
        == "120"
    )


def test_set_variables_answers_in_request_order() -> None:
    dm = model()
    items = [
        set_item(component("NoSuchCtrlr"), variable("Enabled"), "true"),
        set_item(component("TxCtrlr"), variable("EVConnectionTimeOut"), "90"),
        set_item(component("TxCtrlr"), variable("NoSuchVariable"), "1"),
        set_item(component("SecurityCtrlr"), variable("Identity"), "other"),
        set_item(component("OCPPCommCtrlr"), variable("HeartbeatInterval"), "10", "Target"),
    ]
    response = dm.set_variables(set_request(*items))
    assert_valid("SetVariablesResponse", wire_payload(encode_call_result("1", response)))
    statuses = [r.attribute_status for r in response.set_variable_result]
    assert statuses == [
        "UnknownComponent",
        "Accepted",
        "UnknownVariable",
        "Rejected",
        "NotSupportedAttributeType",
    ]
    for item, result in zip(items, response.set_variable_result, strict=True):
        assert result.component.name == item["component"]["name"]
        assert result.variable.name == item["variable"]["name"]


@pytest.mark.parametrize(
    "comp",
    [
        component("NoSuchCtrlr"),
        component("OCPPCommCtrlr", evse=1),  # station-wide component asked for on an EVSE
        component("OCPPCommCtrlr", instance="Secondary"),
        component("EVSE"),  # EVSE without an evse id
        component("EVSE", evse=EVSE_COUNT + 1),
        component("EVSE", evse=1, connector=1),
        component("Connector", evse=EVSE_COUNT + 1, connector=1),
        component("Connector", evse=1, connector=CONNECTORS_PER_EVSE + 1),
    ],
)
def test_set_variables_unknown_component(comp: dict[str, Any]) -> None:
    var = (
        variable("AvailabilityState")
        if comp["name"] in ("EVSE", "Connector")
        else variable("HeartbeatInterval")
    )
    result = set_one(model(), set_item(comp, var, "1"))
    assert result.attribute_status == "UnknownComponent"


@pytest.mark.parametrize(
    "var",
    [
        variable("NoSuchVariable"),
        variable("HeartbeatInterval", "Default"),  # no instance exists for it
        variable("MessageTimeout"),  # needs its instance
        variable("MessageTimeout", "Other"),
    ],
)
def test_set_variables_unknown_variable(var: dict[str, Any]) -> None:
    result = set_one(model(), set_item(component("OCPPCommCtrlr"), var, "1"))
    assert result.attribute_status == "UnknownVariable"


@pytest.mark.parametrize("attribute", ["Target", "MinSet", "MaxSet"])
def test_set_variables_attribute_type_not_supported(attribute: str) -> None:
    result = set_one(
        model(), set_item(component("OCPPCommCtrlr"), variable("HeartbeatInterval"), "1", attribute)
    )
    assert (result.attribute_status, result.attribute_type) == ("NotSupportedAttributeType", attribute)


@pytest.mark.parametrize(
    ("comp", "var", "value"),
    [
        (component("SecurityCtrlr"), variable("SecurityProfile"), "2"),
        (component("ChargingStation"), variable("AvailabilityState"), "Unavailable"),
        (component("EVSE", evse=1), variable("Power"), "0"),
        (component("Connector", evse=1, connector=1), variable("ConnectorType"), "cCCS2"),
        (component("DeviceModelCtrlr"), variable("ItemsPerMessage", "GetReport"), "5"),
    ],
)
def test_set_variables_rejects_read_only(comp: dict[str, Any], var: dict[str, Any], value: str) -> None:
    dm = model()
    evse = comp.get("evse", {}).get("id")
    before = dm.get(comp["name"], var["name"], evse_id=evse, instance=var.get("instance"))
    result = set_one(dm, set_item(comp, var, value))
    assert (result.attribute_status, reason(result)) == ("Rejected", "ReadOnly")
    assert dm.get(comp["name"], var["name"], evse_id=evse, instance=var.get("instance")) == before


def test_read_only_max_set_attribute_is_rejected_not_unknown() -> None:
    result = set_one(model(), set_item(component("EVSE", evse=1), variable("Power"), "11000", "MaxSet"))
    assert (result.attribute_status, reason(result)) == ("Rejected", "ReadOnly")


@pytest.mark.parametrize(
    ("comp", "var", "value", "expected_reason"),
    [
        ("OCPPCommCtrlr", "HeartbeatInterval", "0", "OutOfRange"),  # minimum 1
        ("OCPPCommCtrlr", "HeartbeatInterval", "-5", "OutOfRange"),
        ("OCPPCommCtrlr", "HeartbeatInterval", "12.5", "InvalidValue"),
        ("OCPPCommCtrlr", "HeartbeatInterval", "soon", "InvalidValue"),
        ("OCPPCommCtrlr", "HeartbeatInterval", "", "InvalidValue"),
        ("OCPPCommCtrlr", "QueueAllMessages", "yes", "InvalidValue"),
        ("SmartChargingCtrlr", "LimitChangeSignificance", "101", "OutOfRange"),
        ("SmartChargingCtrlr", "LimitChangeSignificance", "ten", "InvalidValue"),
        ("SmartChargingCtrlr", "LimitChangeSignificance", "nan", "InvalidValue"),
        ("AuthCacheCtrlr", "Policy", "Random", "InvalidValue"),  # not in the OptionList
        ("TxCtrlr", "TxStartPoint", "Authorized,Teleported", "InvalidValue"),  # member not allowed
        ("TxCtrlr", "TxStartPoint", "Authorized,Authorized", "InvalidValue"),
        ("TxCtrlr", "TxStartPoint", "", "InvalidValue"),  # a transaction must start somewhere
        ("TxCtrlr", "TxStopPoint", "EVConnected,,Authorized", "InvalidValue"),
        ("SampledDataCtrlr", "TxUpdatedMeasurands", "Energy.Active.Import.Register,Flux", "InvalidValue"),
        ("ClockCtrlr", "TimeSource", "Sundial", "InvalidValue"),  # SequenceList member not allowed
        ("SecurityCtrlr", "BasicAuthPassword", "short", "OutOfRange"),  # 16..40 characters
        ("SecurityCtrlr", "BasicAuthPassword", "x" * 41, "OutOfRange"),
        ("SecurityCtrlr", "OrganizationName", "o" * 51, "OutOfRange"),
    ],
)
def test_set_variables_rejects_invalid_values(comp: str, var: str, value: str, expected_reason: str) -> None:
    dm = model()
    before = dm.get(comp, var)
    result = set_one(dm, set_item(component(comp), variable(var), value))
    assert (result.attribute_status, reason(result)) == ("Rejected", expected_reason)
    info = result.attribute_status_info
    assert not isinstance(info, msgspec.UnsetType)
    assert var in str(info.additional_info)  # the refusal names the variable
    assert dm.get(comp, var) == before


@pytest.mark.parametrize(
    ("comp", "var", "value", "stored"),
    [
        ("OCPPCommCtrlr", "HeartbeatInterval", "+60", "60"),
        ("OCPPCommCtrlr", "QueueAllMessages", "TRUE", "true"),
        ("SmartChargingCtrlr", "LimitChangeSignificance", "2.5", "2.5"),
        ("AuthCacheCtrlr", "Policy", "FIFO", "FIFO"),
        ("TxCtrlr", "TxStartPoint", "EVConnected, Authorized", "EVConnected,Authorized"),
        ("SampledDataCtrlr", "TxUpdatedMeasurands", "", ""),  # an empty measurand list switches sampling off
        ("ClockCtrlr", "TimeSource", "NTP,Heartbeat", "NTP,Heartbeat"),
        ("SecurityCtrlr", "BasicAuthPassword", "a-password-of-24-chars!!", "a-password-of-24-chars!!"),
        ("SecurityCtrlr", "OrganizationName", "Example Charging", "Example Charging"),
    ],
)
def test_set_variables_accepts_valid_values(comp: str, var: str, value: str, stored: str) -> None:
    dm = model()
    result = set_one(dm, set_item(component(comp), variable(var), value))
    assert result.attribute_status == "Accepted"
    assert dm.get(comp, var) == stored


def test_set_variables_reboot_required_still_stores() -> None:
    dm = model()
    result = set_one(
        dm, set_item(component("OCPPCommCtrlr"), variable("NetworkConfigurationPriority"), "1,0")
    )
    assert result.attribute_status == "RebootRequired"
    assert dm.get_list("OCPPCommCtrlr", "NetworkConfigurationPriority", []) == ["1", "0"]


def test_set_variables_on_variable_instances() -> None:
    dm = model()
    result = set_one(
        dm, set_item(component("OCPPCommCtrlr"), variable("MessageAttempts", "TransactionEvent"), "5")
    )
    assert result.attribute_status == "Accepted"
    assert dm.get_int("OCPPCommCtrlr", "MessageAttempts", 0, instance="TransactionEvent") == 5


def test_connector_may_be_named_by_its_evse_alone() -> None:
    # with one connector per EVSE, {"evse": {"id": n}} can only mean that connector
    assert CONNECTORS_PER_EVSE == 1
    dm = model()
    dm.set_actual("Connector", "AvailabilityState", "Occupied", evse_id=2)
    for comp in (component("Connector", evse=2), component("Connector", evse=2, connector=1)):
        result = get_one(dm, get_item(comp, variable("AvailabilityState")))
        assert (result.attribute_status, result.attribute_value) == ("Accepted", "Occupied")


# --- GetVariables -------------------------------------------------------------------------------


def test_get_variables_returns_values_in_request_order() -> None:
    dm = model()
    dm.set_actual("EVSE", "Power", "7400", evse_id=2)
    items = [
        get_item(component("EVSE", evse=2), variable("Power")),
        get_item(component("EVSE", evse=2), variable("Power"), "MaxSet"),
        get_item(component("SecurityCtrlr"), variable("Identity")),
        get_item(component("NoSuchCtrlr"), variable("Enabled")),
        get_item(component("SecurityCtrlr"), variable("NoSuchVariable")),
        get_item(component("SecurityCtrlr"), variable("Identity"), "Target"),
        get_item(component("SecurityCtrlr"), variable("BasicAuthPassword")),
    ]
    response = dm.get_variables(get_request(*items))
    assert_valid("GetVariablesResponse", wire_payload(encode_call_result("1", response)))
    got = [(r.attribute_status, r.attribute_value) for r in response.get_variable_result]
    assert got == [
        ("Accepted", "7400"),
        ("Accepted", dm.get("EVSE", "Power", evse_id=2, attribute="MaxSet")),
        ("Accepted", "CS-0001"),
        ("UnknownComponent", msgspec.UNSET),
        ("UnknownVariable", msgspec.UNSET),
        ("NotSupportedAttributeType", msgspec.UNSET),
        ("Rejected", msgspec.UNSET),
    ]
    for item, result in zip(items, response.get_variable_result, strict=True):
        assert result.component.name == item["component"]["name"]
        assert result.attribute_type == item.get("attributeType", "Actual")


def test_write_only_value_is_never_read_back_but_the_station_can_use_it() -> None:
    dm = model()
    password = "p" * 20
    set_one(dm, set_item(component("SecurityCtrlr"), variable("BasicAuthPassword"), password))
    result = get_one(dm, get_item(component("SecurityCtrlr"), variable("BasicAuthPassword")))
    assert (result.attribute_status, reason(result), result.attribute_value) == (
        "Rejected",
        "WriteOnly",
        msgspec.UNSET,
    )
    assert dm.get("SecurityCtrlr", "BasicAuthPassword") == password
    assert all(password not in json.dumps(msgspec.to_builtins(entry)) for entry in dm.report("FullInventory"))


def test_get_variables_truncates_overlong_values_to_the_reporting_size() -> None:
    dm = model()
    dm.set_actual("SecurityCtrlr", "OrganizationName", "x" * 3000)
    result = get_one(dm, get_item(component("SecurityCtrlr"), variable("OrganizationName")))
    limit = dm.get_int("DeviceModelCtrlr", "ReportingValueSize", 0)
    assert isinstance(result.attribute_value, str)
    assert len(result.attribute_value) == limit <= 2500


# --- reports ------------------------------------------------------------------------------------


def report_keys(entries: list[v201.ReportData]) -> list[tuple[str, int | None, int | None, str, str | None]]:
    keys = []
    for entry in entries:
        evse = entry.component.evse
        evse_id = None if isinstance(evse, msgspec.UnsetType) else evse.id
        connector = None if isinstance(evse, msgspec.UnsetType) else evse.connector_id
        keys.append(
            (
                entry.component.name,
                evse_id,
                None if isinstance(connector, msgspec.UnsetType) else connector,
                entry.variable.name,
                None if isinstance(entry.variable.instance, msgspec.UnsetType) else entry.variable.instance,
            )
        )
    return keys


def expected_keys(rows: list[Any]) -> set[tuple[str, int | None, int | None, str, str | None]]:
    keys = set()
    for row in rows:
        if row.scope == "station":
            locations: list[tuple[int | None, int | None]] = [(None, None)]
        elif row.scope == "evse":
            locations = [(e, None) for e in range(1, EVSE_COUNT + 1)]
        else:
            locations = [(e, c) for e in range(1, EVSE_COUNT + 1) for c in range(1, CONNECTORS_PER_EVSE + 1)]
        keys |= {(row.component, e, c, row.variable, row.instance) for e, c in locations}
    return keys


def test_full_inventory_lists_every_variable_at_every_location_once() -> None:
    keys = report_keys(model().report("FullInventory"))
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys(list(STANDARD_VARIABLES))


def test_configuration_inventory_lists_the_writable_variables() -> None:
    entries = model().report("ConfigurationInventory")
    keys = report_keys(entries)
    assert set(keys) == expected_keys([row for row in STANDARD_VARIABLES if row.mutability != "ReadOnly"])
    for entry in entries:
        for attribute in entry.variable_attribute:
            assert attribute.mutability in ("ReadWrite", "WriteOnly")
            if attribute.mutability == "WriteOnly":
                assert attribute.value is msgspec.UNSET
            else:
                assert isinstance(attribute.value, str)


def test_summary_inventory_is_availability_plus_active_problems() -> None:
    dm = model()
    summary = report_keys(dm.report("SummaryInventory"))
    assert {key[3] for key in summary} == {"AvailabilityState"}
    assert {(key[0], key[1]) for key in summary} == {("ChargingStation", None)} | {
        (name, e) for name in ("EVSE", "Connector") for e in range(1, EVSE_COUNT + 1)
    }
    dm.set_actual("Connector", "Problem", "true", evse_id=2)
    problems = [key for key in report_keys(dm.report("SummaryInventory")) if key[3] == "Problem"]
    assert problems == [("Connector", 2, 1, "Problem", None)]


def test_report_carries_current_values_and_characteristics() -> None:
    dm = model()
    set_one(dm, set_item(component("OCPPCommCtrlr"), variable("HeartbeatInterval"), "77"))
    dm.set_actual("EVSE", "AvailabilityState", "Occupied", evse_id=1)
    by_key = dict(zip(report_keys(entries := dm.report("FullInventory")), entries, strict=True))
    heartbeat = by_key[("OCPPCommCtrlr", None, None, "HeartbeatInterval", None)]
    assert [(a.type, a.value, a.mutability) for a in heartbeat.variable_attribute] == [
        ("Actual", "77", "ReadWrite")
    ]
    characteristics = heartbeat.variable_characteristics
    assert isinstance(characteristics, v201.VariableCharacteristics)
    assert (characteristics.data_type, characteristics.unit) == ("integer", "s")
    evse = by_key[("EVSE", 1, None, "AvailabilityState", None)]
    assert evse.variable_attribute[0].value == "Occupied"
    assert by_key[("EVSE", 2, None, "AvailabilityState", None)].variable_attribute[0].value == "Available"
    power = by_key[("EVSE", 1, None, "Power", None)]
    assert [a.type for a in power.variable_attribute] == ["Actual", "MaxSet"]
    assert isinstance(power.variable_characteristics, v201.VariableCharacteristics)
    assert power.variable_characteristics.max_limit is not msgspec.UNSET
    start = by_key[("TxCtrlr", None, None, "TxStartPoint", None)]
    assert isinstance(start.variable_characteristics, v201.VariableCharacteristics)
    assert set(str(start.variable_characteristics.values_list).split(",")) == {
        "ParkingBayOccupancy", "EVConnected", "Authorized", "DataSigned", "PowerPathClosed", "EnergyTransfer",
    }  # fmt: skip


def test_unknown_report_base_is_a_local_error() -> None:
    with pytest.raises(LocalProtocolError, match="Inventory"):
        model().report("EverythingInventory")


@pytest.mark.parametrize("base", ["ConfigurationInventory", "FullInventory", "SummaryInventory"])
@pytest.mark.parametrize("evse_count", [0, 1, 3])
def test_reports_validate_as_notify_report_requests(base: str, evse_count: int) -> None:
    dm = DeviceModel(evse_count=evse_count, station_id="CS-schema")
    dm.set_actual("ChargingStation", "Problem", "true")
    entries = dm.report(base)
    assert entries
    size = dm.items_per_message
    chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
    for seq_no, chunk in enumerate(chunks):
        request = v201.NotifyReportRequest(
            request_id=1,
            generated_at=datetime(2024, 1, 1, tzinfo=UTC),
            seq_no=seq_no,
            report_data=chunk,
            tbc=seq_no < len(chunks) - 1,
        )
        assert_valid("NotifyReportRequest", wire_payload(encode_call(f"r{seq_no}", "NotifyReport", request)))


# --- property: whatever a CSMS sets, answers stay valid ------------------------------------------

_TARGETS = [(row.component, row.variable, row.instance, row.scope) for row in STANDARD_VARIABLES]
_VALUE_SAMPLES = [
    "0",
    "1",
    "-1",
    "300",
    "2.5",
    "true",
    "false",
    "",
    "Available",
    "EVConnected,Authorized",
    "x" * 60,
]


@st.composite
def set_items(draw: st.DrawFn) -> dict[str, Any]:
    comp_name, var_name, instance, scope = draw(st.sampled_from(_TARGETS))
    evse = None if scope == "station" else draw(st.integers(0, EVSE_COUNT + 1))
    connector = draw(st.sampled_from([None, 1, 2])) if scope == "connector" else None
    value = draw(st.one_of(st.sampled_from(_VALUE_SAMPLES), st.text(max_size=40)))
    attribute = draw(st.sampled_from([None, "Actual", "Target", "MinSet", "MaxSet"]))
    return set_item(
        component(comp_name, evse=evse, connector=connector), variable(var_name, instance), value, attribute
    )


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(set_items(), min_size=1, max_size=8))
def test_any_set_variables_keeps_every_answer_schema_valid(items: list[dict[str, Any]]) -> None:
    dm = model()
    response = dm.set_variables(set_request(*items))
    assert len(response.set_variable_result) == len(items)
    assert_valid("SetVariablesResponse", wire_payload(encode_call_result("1", response)))
    readback = dm.get_variables(
        get_request(*[{k: v for k, v in i.items() if k != "attributeValue"} for i in items])
    )
    assert_valid("GetVariablesResponse", wire_payload(encode_call_result("1", readback)))
    for result, answer in zip(response.set_variable_result, readback.get_variable_result, strict=True):
        if result.attribute_status in ("UnknownComponent", "UnknownVariable", "NotSupportedAttributeType"):
            assert answer.attribute_status == result.attribute_status  # both lookups agree
        elif result.attribute_status in ("Accepted", "RebootRequired"):
            # what was accepted reads back, unless it is a secret
            assert answer.attribute_status == "Accepted" or reason(answer) == "WriteOnly"
    request = v201.NotifyReportRequest(
        request_id=1,
        generated_at=datetime(2024, 1, 1, tzinfo=UTC),
        seq_no=0,
        report_data=dm.report("FullInventory"),
    )
    assert_valid("NotifyReportRequest", wire_payload(encode_call("r", "NotifyReport", request)))
