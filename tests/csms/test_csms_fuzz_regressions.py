"""Frames found by fuzzing (bench/fuzz_frames.py, bench/README.md "Fuzzing") that broke the embedded
CSMS's session (its safety net turned them into an InternalFault and an InternalError CALLERROR)."""

from __future__ import annotations

import random

import pytest

from fleet.csms import CsmsConfig, CsmsSession16, InternalFault, Ledger

HUGE = "1" + "0" * 400  # a valid JSON integer no float holds


@pytest.mark.parametrize(
    "frame",
    [
        '[2,"m384701","StartTransaction",{"connectorId":1,"idTag":"SendDuringIdle","meterStart":'
        + HUGE
        + ',"timestamp":"2026-12-04T12:00:00Z"}]',
        '[2,"m1","StopTransaction",{"transactionId":1,"meterStop":-'
        + HUGE
        + ',"timestamp":"2026-12-04T12:00:00Z"}]',
    ],
)
def test_a_16_meter_reading_beyond_64_bits_is_a_property_constraint_violation(frame: str) -> None:
    # was: OverflowError (float(meter_start)) in the ledger -> InternalFault, InternalError
    ledger = Ledger()
    session = CsmsSession16("CS-1", CsmsConfig(), ledger, random.Random(1))
    session.receive(frame, 1.0)
    (answer,) = session.data_to_send()
    assert answer.startswith('[4,"m') and '"PropertyConstraintViolation"' in answer
    assert not [event for event in session.events() if isinstance(event, InternalFault)]
    assert ledger.transactions == {}
