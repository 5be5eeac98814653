"""tune_gc_for_long_runs: the collector settings a long fleet or CSMS process runs with. Checked in
a child interpreter, so the test process keeps its default collector."""

from __future__ import annotations

import json
import subprocess
import sys

from fleet.processes._gc import MIDDLE_THRESHOLD, OLD_THRESHOLD, YOUNG_THRESHOLD

_PROBE = """\
import gc, json
from fleet.processes import tune_gc_for_long_runs
before = gc.get_freeze_count()
tune_gc_for_long_runs()
frozen = gc.get_freeze_count()
print(json.dumps({"thresholds": gc.get_threshold(), "frozen_before": before, "frozen": frozen}))
"""


def test_long_run_gc_freezes_the_imports_and_raises_the_thresholds() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    got = json.loads(done.stdout)
    assert got["thresholds"] == [YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD]
    assert got["frozen_before"] == 0 and got["frozen"] > 10_000  # the imported modules' objects
    assert YOUNG_THRESHOLD > 700  # batches larger than CPython's default
