"""`fleet run --csms URL` against a strict third-party CSMS built with the `ocpp` PyPI library.

The fake (our embedded CSMS) is only trusted because the same fleet also runs cleanly against
this independent peer, which validates every message against the official schemas.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import trio

from support import OcppSchemaValidator, start_ocpp_lib_csms


async def test_fleet_run_against_ocpp_library_csms_has_zero_violations(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    capture = tmp_path / "frames.jsonl"
    with start_ocpp_lib_csms(0, tmp_path, max_seconds=120) as csms:
        with trio.fail_after(90):
            done = await trio.run_process(
                [
                    sys.executable, "-m", "fleet", "run",
                    "--csms", csms.url,
                    "--stations", "10",
                    "--duration", "8",
                    "--ramp", "20",
                    "--out", str(out),
                    "--capture", str(capture),
                ],
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )  # fmt: skip
        seen = csms.summary()
    assert done.returncode == 0, done.stderr.decode()
    assert seen["violations"] == []
    assert seen["stations"] == 10
    assert seen["messages"]["BootNotification"] >= 10
    assert seen["messages"]["TransactionEvent"] > 0
    result = json.loads(out.read_text())
    assert result["errors"] == []
    assert all(stats["errors"] == 0 for stats in result["actions"].values())
    assert OcppSchemaValidator("2.0.1").validate_capture(capture) == []
