"""Use cases A01 (new BasicAuthPassword) and A04 (security event notification) on the core."""

from __future__ import annotations

from _station_harness import FakeCsms, boot, events_of, make_station

from fleet.ocpp import v201
from fleet.station import ReconnectRequested


def _set_password(value: str) -> v201.SetVariablesRequest:
    return v201.SetVariablesRequest(
        set_variable_data=[
            v201.SetVariableData(
                attribute_value=value,
                component=v201.Component(name="SecurityCtrlr"),
                variable=v201.Variable(name="BasicAuthPassword"),
            )
        ]
    )


def test_an_accepted_new_password_asks_the_shell_to_reconnect_with_it() -> None:
    station = make_station()
    csms = boot(station)
    reply = csms.call("SetVariables", _set_password("a-new-password-of-24chr"), now=5.0)
    assert reply[2]["setVariableResult"][0]["attributeStatus"] == "Accepted"
    assert events_of(csms.drain_events(), ReconnectRequested) == [ReconnectRequested("BasicAuthPassword")]
    # write-only: the CSMS cannot read it back, the shell can
    assert station.device_model.get("SecurityCtrlr", "BasicAuthPassword") == "a-new-password-of-24chr"
    csms.assert_schema_valid()


def test_a_refused_password_keeps_the_connection() -> None:
    station = make_station()
    csms = boot(station)
    reply = csms.call("SetVariables", _set_password("short"), now=5.0)  # below the 16-character minimum
    assert reply[2]["setVariableResult"][0]["attributeStatus"] == "Rejected"
    assert events_of(csms.drain_events(), ReconnectRequested) == []


def test_a_security_event_seen_offline_is_sent_once_the_boot_is_accepted() -> None:
    station = make_station()
    station.report_security_event("InvalidCsmsCertificate", 1.0, "certificate verify failed")
    csms = FakeCsms(station)
    assert csms.pending_actions() == []  # not connected: kept, not dropped
    csms = boot(station, now=10.0)
    notifications = [call for call in csms.calls if call.action == "SecurityEventNotification"]
    assert len(notifications) == 1
    assert notifications[0].payload["type"] == "InvalidCsmsCertificate"
    assert notifications[0].payload["techInfo"] == "certificate verify failed"
    assert notifications[0].payload["timestamp"].startswith("2026")  # when it happened, not when sent
    csms.assert_schema_valid()


def test_a_security_event_while_online_goes_out_at_once() -> None:
    station = make_station()
    csms = boot(station)
    station.report_security_event("InvalidTLSVersion", 20.0)
    assert csms.pending_actions() == ["SecurityEventNotification"]
