"""Frames from the CSMS that are no OCPP-J message get a CALLERROR back, under message id "-1"
when their id cannot be read (OCPP 2.0.1 part 4, 4.2.3; a 1.6 station does the same with 1.6's
code); a broken CALLRESULT or CALLERROR is never answered. Issue 17: these got no answer at all."""

from __future__ import annotations

import json

import pytest
from _station16_harness import boot16, make_station16
from _station_harness import FakeCsms, boot, make_station

from fleet.ocpp import RemoteProtocolError

UNREADABLE = {
    "not JSON": "hello, station",
    "binary, not JSON": b"\x00\x01\xfe\xff",
    "a JSON object": '{"messageTypeId": 2, "messageId": "a1"}',
    "a CALL with a numeric message id": '[2, 17, "ClearCache", {}]',
    "a CALL with an empty message id": '[2, "", "ClearCache", {}]',
    "a CALL with a message id over 36 characters": json.dumps([2, "i" * 37, "ClearCache", {}]),
}
BROKEN_ANSWERS = {
    "a CALLRESULT with a numeric id": "[3, 17, {}]",
    "a CALLERROR too short": '[4, "a1", "GenericError"]',
}


def _booted(version: str) -> FakeCsms:
    return boot(make_station()) if version == "2.0.1" else boot16(make_station16())


def _refuse(csms: FakeCsms, data: str | bytes) -> RemoteProtocolError:
    with pytest.raises(RemoteProtocolError) as caught:
        csms.station.receive(data, 5.0)
    csms.pump()
    return caught.value


@pytest.mark.parametrize(("version", "code"), [("2.0.1", "RpcFrameworkError"), ("1.6", "FormationViolation")])
@pytest.mark.parametrize("data", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_frame_whose_message_id_cannot_be_read_is_answered_under_minus_one(
    data: str | bytes, version: str, code: str
) -> None:
    csms = _booted(version)
    _refuse(csms, data)
    answer = csms.replies.pop("-1")
    assert answer[:3] == [4, "-1", code] and answer[3] and answer[4] == {}
    assert csms.replies == {}
    csms.assert_schema_valid()
    # and the station carries on: a well-formed request is answered
    csms.feed_untrusted(json.dumps([2, "ok-1", "ClearCache", {}]), 6.0)
    assert csms.replies["ok-1"][0] == 3


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
def test_a_call_whose_id_can_be_read_is_answered_under_its_id(version: str) -> None:
    csms = _booted(version)
    _refuse(csms, '["2", "a1", "ClearCache", {}]')  # the message type is a string
    assert list(csms.replies) == ["a1"] and csms.replies["a1"][0] == 4


@pytest.mark.parametrize("version", ["2.0.1", "1.6"])
@pytest.mark.parametrize("data", BROKEN_ANSWERS.values(), ids=BROKEN_ANSWERS.keys())
def test_a_broken_answer_is_not_answered(data: str, version: str) -> None:
    csms = _booted(version)
    _refuse(csms, data)
    assert csms.replies == {}
