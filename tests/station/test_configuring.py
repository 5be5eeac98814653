"""Use case B05-B07: SetVariables, GetVariables and GetBaseReport from the CSMS."""

from __future__ import annotations

import pytest
from _station_harness import boot, events_of, make_station

from fleet.ocpp import v201
from fleet.station import CallSucceeded


def _get(component: str, variable: str, instance: str | None = None) -> v201.GetVariableData:
    return v201.GetVariableData(
        component=v201.Component(name=component),
        variable=v201.Variable(name=variable, instance=instance)
        if instance
        else v201.Variable(name=variable),
    )


def _set(component: str, variable: str, value: str) -> v201.SetVariableData:
    return v201.SetVariableData(
        attribute_value=value, component=v201.Component(name=component), variable=v201.Variable(name=variable)
    )


def test_set_variables_heartbeat_interval_takes_effect_for_the_next_heartbeat() -> None:
    station = make_station()
    csms = boot(station)  # interval 300: first heartbeat due at 300
    reply = csms.call(
        "SetVariables",
        v201.SetVariablesRequest(set_variable_data=[_set("OCPPCommCtrlr", "HeartbeatInterval", "50")]),
        now=10.0,
    )
    assert reply[2]["setVariableResult"][0]["attributeStatus"] == "Accepted"
    csms.advance(10.0, 400.0)
    times = [e.intended_at for e in events_of(csms.drain_events(), CallSucceeded) if e.action == "Heartbeat"]
    assert times == [300.0, 350.0, 400.0]
    csms.assert_schema_valid()


def test_get_variables_known_unknown_component_and_unknown_variable() -> None:
    station = make_station()
    csms = boot(station)
    request = v201.GetVariablesRequest(
        get_variable_data=[
            _get("OCPPCommCtrlr", "MessageTimeout", "Default"),
            _get("NoSuchController", "Enabled"),
            _get("OCPPCommCtrlr", "NoSuchVariable"),
        ]
    )
    results = csms.call("GetVariables", request, now=1.0)[2]["getVariableResult"]
    assert [r["attributeStatus"] for r in results] == ["Accepted", "UnknownComponent", "UnknownVariable"]
    assert results[0]["attributeValue"] == station.device_model.get(
        "OCPPCommCtrlr", "MessageTimeout", instance="Default"
    )
    csms.assert_schema_valid()


def test_set_variables_read_only_is_rejected_and_value_kept() -> None:
    station = make_station()
    csms = boot(station)
    before = station.device_model.get("SecurityCtrlr", "Identity")
    request = v201.SetVariablesRequest(set_variable_data=[_set("SecurityCtrlr", "Identity", "someone-else")])
    result = csms.call("SetVariables", request, now=1.0)[2]["setVariableResult"][0]
    assert result["attributeStatus"] == "Rejected"
    assert station.device_model.get("SecurityCtrlr", "Identity") == before == station.station_id
    csms.assert_schema_valid()


@pytest.mark.parametrize("base", ["ConfigurationInventory", "FullInventory", "SummaryInventory"])
def test_get_base_report_is_accepted_then_split_into_notify_report_parts(base: str) -> None:
    station = make_station(evse_count=2)
    csms = boot(station)
    expected = station.device_model.report(base)
    size = station.device_model.items_per_message
    reply = csms.call("GetBaseReport", v201.GetBaseReportRequest(request_id=77, report_base=base), now=5.0)  # type: ignore[arg-type]
    assert reply[2] == {"status": "Accepted"}
    parts = [call.payload for call in csms.answer_all(5.0)]
    assert all(call_part["requestId"] == 77 for call_part in parts)
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))
    assert [p["tbc"] for p in parts] == [True] * (len(parts) - 1) + [False]
    assert len({p["generatedAt"] for p in parts}) == 1
    assert all(len(p.get("reportData", [])) <= size for p in parts)
    assert sum(len(p.get("reportData", [])) for p in parts) == len(expected)
    assert len(parts) == max(1, -(-len(expected) // size))
    csms.assert_schema_valid()
