"""`fleet run --csms URL` against a strict third-party CSMS built with the `ocpp` PyPI library.

The fake (our embedded CSMS) is only trusted because the same fleet also runs cleanly against
this independent peer, which validates every message against the official schemas.
"""

from __future__ import annotations

from pathlib import Path

from support import OcppSchemaValidator
from support.fleet_against_ocpp_lib import STATIONS, run_fleet_against_ocpp_lib_csms
from support.run_summary import summary_errors


async def test_fleet_run_against_ocpp_library_csms_has_zero_violations(tmp_path: Path) -> None:
    run = await run_fleet_against_ocpp_lib_csms(tmp_path)
    assert run.csms["violations"] == []
    assert run.csms["stations"] == STATIONS
    assert run.csms["messages"]["BootNotification"] >= STATIONS
    assert run.csms["messages"]["TransactionEvent"] > 0
    assert summary_errors(run.result) == []
    assert OcppSchemaValidator("2.0.1").validate_capture(run.capture) == []
